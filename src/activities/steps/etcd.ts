// Article step 7: external etcd on the masters (systemd unit or docker-compose), then a health gate.
import type { StepResult } from '../types';
import { result, type HostSession } from '../host-session';
import { ensurePackages } from './apt';

export async function startEtcd(s: HostSession): Promise<StepResult> {
  const { etcd } = s.spec;
  if (etcd.mode === 'docker-compose') {
    const installed = await ensurePackages(s, ['docker.io', 'docker-compose']);
    const file = await s.writeRendered('etcd-compose');
    const running = await s.test("docker ps --format '{{.Names}}' | grep -qx etcd");
    if (file.changed || !running) await s.sh('docker-compose -f /etc/hakube/etcd/docker-compose.yaml up -d', { timeoutMs: 10 * 60_000 });
    return result(installed || file.changed || !running, 'etcd container up');
  }
  let installed = false;
  if (etcd.package) {
    installed = await ensurePackages(s, [etcd.package, 'etcd-client']);
    // Debian starts a single-node etcd on install: stop it; our unit uses its own data dir.
    if (installed) await s.sh('systemctl stop etcd || true');
  }
  const env = await s.writeRendered('etcd-env');
  const unit = await s.writeRendered('etcd-unit');
  if (env.changed || unit.changed) await s.sh('systemctl daemon-reload');
  await s.sh(`mkdir -p /var/lib/etcd/${s.spec.name} && chmod 700 /var/lib/etcd/${s.spec.name}`);
  const active = await s.test('systemctl is-active --quiet etcd');
  if (!(await s.test('systemctl is-enabled --quiet etcd'))) await s.sh('systemctl enable etcd');
  // --no-block: a member only reports ready once a quorum of its peers runs; the gate waits for that.
  if (!active || env.changed || unit.changed) await s.sh(`systemctl ${active ? 'restart' : 'start'} --no-block etcd`);
  const changed = installed || env.changed || unit.changed || !active;
  return result(changed, changed ? `etcd member ${s.host.name} started` : `etcd member ${s.host.name} already running`);
}

/** Gate: every master is a member and every endpoint is healthy (retried until the cluster converges). */
export async function etcdHealthy(s: HostSession): Promise<StepResult> {
  const endpoints = s.spec.etcd.endpoints.join(',');
  const ctl = s.spec.etcd.mode === 'docker-compose' ? 'docker exec etcd etcdctl' : 'ETCDCTL_API=3 etcdctl';
  const members = (await s.sh(`${ctl} --endpoints=${endpoints} member list -w simple`, { timeoutMs: 30_000 }))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(',').map((x) => x.trim()));
  const started = members.filter((m) => m[1] === 'started').map((m) => m[2]);
  const missing = s.spec.masters.filter((m) => !started.includes(m));
  if (missing.length) throw new Error(`etcd members not started yet: ${missing.join(', ')} (member list: ${started.join(', ') || 'empty'})`);
  const health = await s.probe(`${ctl} --endpoints=${endpoints} endpoint health`, { timeoutMs: 30_000 });
  const text = health.stdout + health.stderr;
  const healthy = text.split('\n').filter((l) => /is healthy/.test(l)).length;
  if (health.code !== 0 || healthy !== s.spec.masters.length) throw new Error(`etcd endpoints not all healthy:\n${text.trim()}`);
  return result(false, `${started.length} members started, ${healthy}/${s.spec.masters.length} endpoints healthy`);
}

