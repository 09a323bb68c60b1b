// Article step 7: external etcd on the masters (systemd unit or docker-compose), then a health gate.
// `etcd.mode` is decided here, in ETCD_RUNTIMES (which files each variant gets is the catalogue's).
import type { ClusterSpec } from '../../inventory/spec';
import type { StepResult } from '../../contracts/activity-request';
import { etcdDataDir, remotePath } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { ensurePackages } from '../host/packages';
import { ensureActive } from '../host/units';
import { parseEtcdMembers } from '../host/facts';
import { ensureEtcdCertificates, etcdctlTlsFlags, refuseSchemeSwitch } from '../host/etcd-pki';
import { ensureImageFromArchive } from '../host/image-archive';

interface EtcdRuntime {
  /** Installs, configures and starts this host's member; true when anything changed. */
  start(s: HostSession): Promise<boolean>;
  /** etcdctl as this variant runs it (without the TLS flags). */
  etcdctl: string;
  /** The file that says which scheme (http/https) the member was started with. */
  settingsFile: 'etcd-env' | 'etcd-compose';
}

const ETCD_RUNTIMES: Record<ClusterSpec['etcd']['mode'], EtcdRuntime> = {
  systemd: {
    etcdctl: 'ETCDCTL_API=3 etcdctl',
    settingsFile: 'etcd-env',
    async start(s) {
      const { etcd } = s.spec;
      let installed = false;
      if (etcd.package) {
        installed = await ensurePackages(s, [etcd.package, 'etcd-client']);
        // Debian starts a single-node etcd on install: stop it; our unit uses its own data dir.
        if (installed) await s.sh('systemctl stop etcd || true');
      }
      const env = await s.writeRendered('etcd-env');
      const unit = await s.writeRendered('etcd-unit');
      if (env.changed || unit.changed) await s.sh('systemctl daemon-reload');
      const dataDir = etcdDataDir(s.spec.name);
      await s.sh(`mkdir -p ${dataDir} && chmod 700 ${dataDir}`);
      // no-block: a member only reports ready once a quorum of its peers runs; the gate waits for that.
      const started = await ensureActive(s, 'etcd', { restart: env.changed || unit.changed, noBlock: true });
      return installed || env.changed || unit.changed || started;
    },
  },
  'docker-compose': {
    etcdctl: 'docker exec etcd etcdctl',
    settingsFile: 'etcd-compose',
    async start(s) {
      const { etcd } = s.spec;
      const installed = await ensurePackages(s, ['docker.io', 'docker-compose', 'curl']);
      const dockerStarted = await ensureActive(s, 'docker');
      // Without an archive, compose pulls etcd.image from its registry.
      const loaded = etcd.imageArchiveUrl
        ? await ensureImageFromArchive(s, etcd.image, {
            url: etcd.imageArchiveUrl,
            sha256: etcd.imageArchiveSha256 ?? '',
            field: 'etcd.imageArchiveSha256',
          })
        : false;
      const file = await s.writeRendered('etcd-compose');
      const dataDir = etcdDataDir(s.spec.name);
      await s.sh(`mkdir -p ${dataDir} && chmod 700 ${dataDir}`);
      const running = await s.test("docker ps --format '{{.Names}}' | grep -qx etcd");
      // up -d recreates the container when the file or the image behind etcd.image changed.
      if (file.changed || !running || loaded)
        await s.sh(`docker-compose -f ${remotePath('etcd-compose')} up -d`, { timeoutMs: 10 * 60_000 });
      return installed || dockerStarted || loaded || file.changed || !running;
    },
  },
};

/** Makes this master's etcd certificates current (etcd.tls); the first master signs them. */
async function etcdCertificates(s: HostSession): Promise<StepResult> {
  await ensurePackages(s, ['openssl']);
  const signer = s.host.name === s.spec.firstMaster ? s : s.other(s.spec.firstMaster);
  return result(await ensureEtcdCertificates(s, signer));
}

async function startEtcd(s: HostSession): Promise<StepResult> {
  const runtime = ETCD_RUNTIMES[s.spec.etcd.mode];
  await refuseSchemeSwitch(s, remotePath(runtime.settingsFile));
  return result(await runtime.start(s));
}

/** etcdctl as this cluster's etcd variant runs it, with the TLS flags (without --endpoints). */
export const etcdctlFor = (spec: ClusterSpec) => ETCD_RUNTIMES[spec.etcd.mode].etcdctl + etcdctlTlsFlags(spec);

/** Gate: every master is a member and every endpoint is healthy (retried until the cluster converges). */
async function etcdHealthy(s: HostSession): Promise<StepResult> {
  const endpoints = s.spec.etcd.endpoints.join(',');
  const ctl = etcdctlFor(s.spec);
  const members = parseEtcdMembers(await s.sh(`${ctl} --endpoints=${endpoints} member list -w simple`, { timeoutMs: 30_000 }));
  const started = members.filter((m) => m.status === 'started').map((m) => m.name);
  const missing = s.spec.masters.filter((m) => !started.includes(m));
  if (missing.length)
    throw new Error(`etcd members not started yet: ${missing.join(', ')} (member list: ${started.join(', ') || 'empty'})`);
  const health = await s.probe(`${ctl} --endpoints=${endpoints} endpoint health`, { timeoutMs: 30_000 });
  const text = health.stdout + health.stderr;
  const healthy = text.split('\n').filter((l) => /is healthy/.test(l)).length;
  if (health.code !== 0 || healthy !== s.spec.masters.length) throw new Error(`etcd endpoints not all healthy:\n${text.trim()}`);
  return result(false);
}

export const etcdSteps = { etcdCertificates, startEtcd, etcdHealthy };
