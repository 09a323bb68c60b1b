// Article step 7: external etcd on the masters (systemd unit or docker-compose), then a health gate.
// `etcd.mode` is decided here, in ETCD_RUNTIMES (which files each variant gets is the catalogue's).
import type { ClusterSpec } from '../../inventory/spec';
import type { StepResult } from '../../contracts/activity-request';
import { ETCD_PKI, etcdDataDir, remotePath } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { ensurePackages, releaseHeldBackCommand } from '../host/packages';
import { ensureActive } from '../host/units';
import { writeOwingApply } from '../host/owed-apply';
import { parseEtcdMembers, parseEtcdMembership, type EtcdMember } from '../host/facts';
import type { EtcdMembership } from '../../render/host-files';
import { shq } from '../ssh/shell';
import { firstMaster } from './kubectl';
import { ensureEtcdCertificates, etcdctlTlsFlags, refuseSchemeSwitch } from '../host/etcd-pki';
import { ensureImageFromArchive } from '../host/image-archive';
import { servedCertificate } from '../host/served-certificate';
import { recordEtcdClusterId } from '../host/cluster-identity';
import { minimumExternalEtcd } from '../../inventory/versions';
import { versionAtLeast } from '../host/versions';

interface EtcdRuntime {
  /** Installs, configures and starts this host's member; true when anything changed. */
  start(s: HostSession, membership: EtcdMembership): Promise<boolean>;
  /** etcdctl as this variant runs it (without the TLS flags). */
  etcdctl: string;
  /** The file that says which scheme (http/https) the member was started with. */
  settingsFile: 'etcd-env' | 'etcd-compose';
  /** Restarts the member as it is configured (to load new certificates). */
  restart: string;
}

const ETCD_RUNTIMES: Record<ClusterSpec['etcd']['mode'], EtcdRuntime> = {
  systemd: {
    etcdctl: 'ETCDCTL_API=3 etcdctl',
    settingsFile: 'etcd-env',
    restart: 'systemctl restart etcd',
    async start(s, membership) {
      const { etcd } = s.spec;
      let installed = false;
      if (etcd.package) {
        installed = await ensurePackages(s, [etcd.package, 'etcd-client'], { holdBackStart: ['etcd.service'] });
        // Debian starts a single-node etcd on install (after `reset --purge`, hakube's unit left in /etc): held
        // back (installed ahead by the runtime phase, it is so there too); stopped too, should one run anyway.
        if (installed) await s.sh('systemctl stop etcd || true');
      }
      const files = await writeOwingApply(s, 'etcd', async () => [
        await s.writeRendered('etcd-env', undefined, { etcdMembership: membership }),
        await s.writeRendered('etcd-unit'),
      ]);
      if (files.mustApply) await s.sh('systemctl daemon-reload');
      const dataDir = etcdDataDir(s.spec.name);
      // With it, an earlier install's hold on the package's start (packages-ahead), if a lost connection left it.
      await s.sh(`mkdir -p ${dataDir} && chmod 700 ${dataDir} && { ${releaseHeldBackCommand(['etcd.service'])}; }`);
      // no-block: a member only reports ready once a quorum of its peers runs; the gate waits for that.
      // The queued restart is systemd's from here: the debt is settled even if this worker dies now.
      const started = await ensureActive(s, 'etcd', { restart: files.mustApply, noBlock: true });
      await files.settled();
      return installed || started;
    },
  },
  'docker-compose': {
    etcdctl: 'docker exec etcd etcdctl',
    settingsFile: 'etcd-compose',
    restart: 'docker restart etcd',
    async start(s, membership) {
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
      const file = await writeOwingApply(s, 'etcd-compose', async () => [
        await s.writeRendered('etcd-compose', undefined, { etcdMembership: membership }),
      ]);
      const dataDir = etcdDataDir(s.spec.name);
      await s.sh(`mkdir -p ${dataDir} && chmod 700 ${dataDir}`);
      const running = await s.test("docker ps --format '{{.Names}}' | grep -qx etcd");
      // up -d recreates the container when the file or the image behind etcd.image changed.
      const up = file.mustApply || !running || loaded;
      if (up) await s.sh(`docker-compose -f ${remotePath('etcd-compose')} up -d`, { timeoutMs: 10 * 60_000 });
      await file.settled();
      return installed || dockerStarted || up;
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
  const part = await partInEtcd(s, { trustBootstrapList: true });
  if (part.kind === 'join')
    s.refuse(
      `${s.host.name} is not an etcd member of the running cluster: it joins as a learner in the etcd-join phase, ` +
        'which this run does not have (it was started by an older hakube); run `hakube up` again',
      'EtcdJoinMissing',
    );
  const changed = await runtime.start(s, part.membership);
  return result(changed, await etcdVersionWarnings(s));
}

/** kubeadm init refuses an external etcd older than its minimum: said here, where the etcd came from. */
async function etcdVersionWarnings(s: HostSession): Promise<string[]> {
  const minimum = minimumExternalEtcd(s.spec.kubernetes.minor);
  if (!minimum || s.spec.etcd.mode !== 'systemd') return [];
  const version = (await s.sh(`${s.spec.etcd.binary} --version 2>/dev/null | awk '/etcd Version/ { print $3 }'`)).trim();
  if (!version || versionAtLeast(version, minimum)) return [];
  return [
    `etcd ${version} on ${s.host.name}: kubeadm ${s.spec.kubernetes.minor} refuses an external etcd older than ${minimum} ` +
      `(its ExternalEtcdVersion preflight check, at init): serve etcd ${minimum}+ as etcd.package from your repository ` +
      "(Debian 12's etcd-server is 3.4), or run etcd.mode: docker-compose with such an etcd.image",
  ];
}

/** How this master takes part in etcd: see partInEtcd. */
type EtcdPart = { kind: 'member' | 'bootstrap'; membership: EtcdMembership } | { kind: 'join'; members: EtcdMember[] };

const peerUrlOf = (s: HostSession) => `${s.spec.etcd.scheme}://${s.host.address}:2380`;
const clientUrlOf = (s: HostSession, host: string) => `${s.spec.etcd.scheme}://${s.other(host).host.address}:2379`;

/**
 * Whether this master's member exists (it keeps the membership it was started with), bootstraps the
 * cluster with the other masters ("new"), or must join the running cluster ("existing", as a learner,
 * one master at a time: etcd-join). Decided from the first master's data and etcd's live member list,
 * never from the inventory alone: a master removed earlier and added again is in the first member's
 * bootstrap list but not in the cluster.
 */
async function partInEtcd(s: HostSession, options: { trustBootstrapList?: boolean } = {}): Promise<EtcdPart> {
  const dataDir = etcdDataDir(s.spec.name);
  const settings = remotePath(ETCD_RUNTIMES[s.spec.etcd.mode].settingsFile);
  const fresh: EtcdMembership = { initialCluster: s.spec.etcd.initialCluster, state: 'new' };
  if (await s.test(`test -d ${dataDir}/member`)) {
    const current = await s.probe(`cat ${settings}`);
    return { kind: 'member', membership: (current.code === 0 && parseEtcdMembership(current.stdout)) || fresh };
  }
  const first = firstMaster(s);
  // The first master never joins; while it has no data, no cluster exists yet: the masters bootstrap it together.
  if (first === s || !(await first.test(`test -d ${dataDir}/member`))) return { kind: 'bootstrap', membership: fresh };
  const inBootstrapList = async () =>
    !!parseEtcdMembership((await first.probe(`cat ${settings}`)).stdout)
      ?.initialCluster.split(',')
      .includes(`${s.host.name}=${peerUrlOf(s)}`);
  // The etcd phase runs after etcd-join, which has added every new master: a master without data that
  // the first member was bootstrapped with is bootstrapping with it now (no wait for a quorum to answer).
  if (options.trustBootstrapList && (await inBootstrapList())) return { kind: 'bootstrap', membership: fresh };
  const ctl = etcdctlFor(s.spec);
  const live = await first.probe(`${ctl} --endpoints=${clientUrlOf(s, s.spec.firstMaster)} member list -w simple`, { timeoutMs: 30_000 });
  if (live.code !== 0) {
    // No quorum yet: in a fresh install the first members wait for the others to start. A member the
    // cluster was bootstrapped with starts as "new"; any other can only join a cluster that answers.
    if (await inBootstrapList()) return { kind: 'bootstrap', membership: fresh };
    throw new Error(
      `etcd on ${s.spec.firstMaster} does not answer (${(live.stderr || live.stdout).trim()}): ${s.host.name} can only join a cluster with a quorum`,
    );
  }
  const members = parseEtcdMembers(live.stdout);
  const me = members.find((m) => m.peerUrls === peerUrlOf(s));
  if (!me || me.isLearner) return { kind: 'join', members };
  // A voting member that never started: bootstrapped with the others, whose quorum formed first.
  if (me.status === 'unstarted') return { kind: 'bootstrap', membership: fresh };
  s.refuse(
    `${s.host.name} is a started etcd member but its data directory ${dataDir} is empty; ` +
      `remove it first (\`hakube remove ${s.host.name} --force\`), then run \`hakube up\` to add it again`,
    'EtcdMemberWithoutData',
  );
}

/**
 * A master added to a running cluster: `etcdctl member add --learner` (a learner does not vote, so the
 * quorum does not change while it catches up), started with "existing" and the current members, then
 * promoted once in sync. A run that died halfway finds the learner and goes on from there.
 */
async function joinEtcdMember(s: HostSession): Promise<StepResult> {
  const part = await partInEtcd(s);
  let changed = false;
  if (part.kind === 'join') {
    const first = firstMaster(s);
    if (s.spec.etcd.tls) await etcdCertificates(s);
    const ctl = `${etcdctlFor(s.spec)} --endpoints=${clientUrlOf(s, s.spec.firstMaster)}`;
    let members = part.members;
    if (!members.some((m) => m.peerUrls === peerUrlOf(s))) {
      // etcd refuses a membership change for a few seconds after the last one ("unhealthy cluster" until
      // a member just promoted has been connected long enough): waited out here, bounded (≤ 1 min).
      await first.sh(
        `for i in $(seq 30); do out=$(${ctl} member add ${shq(s.host.name)} --peer-urls=${peerUrlOf(s)} --learner 2>&1) && exit 0; ` +
          `case "$out" in *"unhealthy cluster"*) sleep 2 ;; *) echo "$out" >&2; exit 1 ;; esac; done; echo "$out" >&2; exit 1`,
        { timeoutMs: 120_000 },
      );
      members = parseEtcdMembers(await first.sh(`${ctl} member list -w simple`, { timeoutMs: 30_000 }));
    }
    // A learner that has not started has no name yet: it is this host (one join at a time).
    const others = members.filter((m) => m.name && m.name !== s.host.name).map((m) => `${m.name}=${m.peerUrls}`);
    const membership: EtcdMembership = { initialCluster: [...others, `${s.host.name}=${peerUrlOf(s)}`].join(','), state: 'existing' };
    await ETCD_RUNTIMES[s.spec.etcd.mode].start(s, membership);
    changed = true;
  } else if (part.kind === 'bootstrap') {
    s.log(`${s.host.name} bootstraps etcd with the other masters (etcd phase)`);
    return result(false);
  }
  return result((await promoteIfLearner(s, part.kind === 'member' ? part.membership : undefined)) || changed);
}

/**
 * Promotes this host's member if it is still a learner, retrying while etcd says it is not in sync (≤ 2 min).
 * A learner left by an earlier attempt (its etcd stopped by that attempt's undo) is started again first,
 * with the membership its data was made with, so a retry can finish the join.
 */
async function promoteIfLearner(s: HostSession, existing?: EtcdMembership): Promise<boolean> {
  const first = firstMaster(s);
  const ctl = `${etcdctlFor(s.spec)} --endpoints=${clientUrlOf(s, s.spec.firstMaster)}`;
  const list = await first.probe(`${ctl} member list -w simple`, { timeoutMs: 30_000 });
  if (list.code !== 0) {
    // No member answers (after `hakube reset`, which stops etcd and keeps its data): this member has its
    // data and comes back with it in the etcd phase, like every other master; there is nothing to join.
    if (existing) {
      s.log(
        `etcd does not answer on ${s.spec.firstMaster} (${(list.stderr || list.stdout).trim()}): this member has its data and starts with it in the etcd phase`,
      );
      return false;
    }
    throw new Error(`etcdctl member list on ${s.spec.firstMaster}: ${(list.stderr || list.stdout).trim()}`);
  }
  const me = parseEtcdMembers(list.stdout).find((m) => m.peerUrls === peerUrlOf(s));
  if (!me?.isLearner) return false;
  if (existing) await ETCD_RUNTIMES[s.spec.etcd.mode].start(s, existing);
  await first.sh(
    `for i in $(seq 60); do out=$(${ctl} member promote ${shq(me.id)} 2>&1) && exit 0; ` +
      `case "$out" in *"in sync"*) sleep 2 ;; *) echo "$out" >&2; exit 1 ;; esac; done; ` +
      `echo "etcd learner ${s.host.name} not in sync with the leader after 2 minutes: $out" >&2; exit 1`,
    { timeoutMs: 180_000 },
  );
  return true;
}

/**
 * The member's data directory as the host and as etcd's own tools see it (the compose variant mounts it
 * at /etcd-data), and those tools as the variant runs them: snapshots are written and read there.
 */
export function etcdToolsFor(spec: ClusterSpec) {
  const compose = spec.etcd.mode === 'docker-compose';
  return {
    dataDirOnHost: etcdDataDir(spec.name),
    dataDirForTools: compose ? '/etcd-data' : etcdDataDir(spec.name),
    /** etcdutl (etcd ≥ 3.5) where it exists, else the etcdctl of 3.4, for snapshot status. */
    snapshotStatus: (file: string) =>
      compose
        ? `docker exec etcd etcdutl snapshot status ${file} -w json 2>/dev/null || docker exec etcd etcdctl snapshot status ${file} -w json`
        : `if command -v etcdutl >/dev/null; then etcdutl snapshot status ${file} -w json; else ETCDCTL_API=3 etcdctl snapshot status ${file} -w json; fi`,
  };
}

/** etcdctl as this cluster's etcd variant runs it, with the TLS flags (without --endpoints). */
export const etcdctlFor = (spec: ClusterSpec) => ETCD_RUNTIMES[spec.etcd.mode].etcdctl + etcdctlTlsFlags(spec);

/**
 * Restarts this master's member (its peers keep the quorum: one master at a time) and waits until it is
 * healthy again and serves the server certificate now on disk (so a renewal is known to be in use).
 */
export async function restartEtcdMember(s: HostSession): Promise<void> {
  await s.sh(ETCD_RUNTIMES[s.spec.etcd.mode].restart, { timeoutMs: 120_000 });
  const me = clientUrlOf(s, s.host.name);
  await s.sh(
    `for i in $(seq 60); do ${etcdctlFor(s.spec)} --endpoints=${me} endpoint health >/dev/null 2>&1 && exit 0; sleep 1; done; ` +
      `echo "etcd on ${me} is not healthy 60 s after its restart" >&2; exit 1`,
    { timeoutMs: 120_000 },
  );
  if (!s.spec.etcd.tls) return;
  const { served, onDisk } = await servedCertificate(s, `${s.host.address}:2379`, ETCD_PKI.serverCert);
  if (served !== onDisk)
    throw new Error(`etcd on ${me} still serves its old certificate after the restart (${served} served, ${onDisk} on disk)`);
}

/** Gate: every master is a member and every endpoint is healthy (retried until the cluster converges). */
async function etcdHealthy(s: HostSession): Promise<StepResult> {
  const endpoints = s.spec.etcd.endpoints.join(',');
  const ctl = etcdctlFor(s.spec);
  const members = parseEtcdMembers(await s.sh(`${ctl} --endpoints=${endpoints} member list -w simple`, { timeoutMs: 30_000 }));
  const started = members.filter((m) => m.status === 'started' && !m.isLearner).map((m) => m.name);
  const missing = s.spec.masters.filter((m) => !started.includes(m));
  if (missing.length)
    throw new Error(`etcd members not started yet: ${missing.join(', ')} (member list: ${started.join(', ') || 'empty'})`);
  const health = await s.probe(`${ctl} --endpoints=${endpoints} endpoint health`, { timeoutMs: 30_000 });
  const text = health.stdout + health.stderr;
  const healthy = text.split('\n').filter((l) => /is healthy/.test(l)).length;
  if (health.code !== 0 || healthy !== s.spec.masters.length) throw new Error(`etcd endpoints not all healthy:\n${text.trim()}`);
  return result(false);
}

/** The etcd cluster this master's member belongs to, kept beside the cluster's name (cluster-identity). */
async function recordEtcdCluster(s: HostSession): Promise<StepResult> {
  const ctl = etcdctlFor(s.spec);
  const status = await s.sh(`${ctl} --endpoints=${clientUrlOf(s, s.host.name)} endpoint status -w json`, { timeoutMs: 30_000 });
  const id = /"cluster_id":\s*(\d+)/.exec(status)?.[1];
  if (!id) throw new Error(`etcdctl endpoint status gave no cluster_id: ${status.slice(0, 300)}`);
  return result(await recordEtcdClusterId(s, BigInt(id).toString(16)));
}

export const etcdSteps = { etcdCertificates, startEtcd, joinEtcdMember, etcdHealthy, recordEtcdCluster };
