// The rules for what the hosts download (add-on manifests, apt repository keys): every download is
// pinned, by sha256 or by key fingerprint, and checked on the host before it is used. The defaults
// come pinned; a URL the user overrides must come with its own pin, or with an explicit "unpinned",
// which plan and up warn about. A plain http URL needs a real pin: nothing else would protect it.
import type { ClusterInput } from './schema';
import type { ClusterSpec } from './spec';
import type { Problem } from './problems';
import { UNPINNED } from './value-types';

interface Override {
  urlField: string;
  url: string | undefined;
  pinField: string;
  pin: string | undefined;
  kind: 'sha256' | 'fingerprint';
}

function overrides(input: ClusterInput): Override[] {
  const { cni, ingress, dashboard, packages } = input;
  return [
    { urlField: 'cni.manifestUrl', url: cni.manifestUrl, pinField: 'cni.manifestSha256', pin: cni.manifestSha256, kind: 'sha256' },
    {
      urlField: 'cni.operatorCrdsUrl',
      url: cni.operatorCrdsUrl,
      pinField: 'cni.operatorCrdsSha256',
      pin: cni.operatorCrdsSha256,
      kind: 'sha256',
    },
    { urlField: 'cni.operatorUrl', url: cni.operatorUrl, pinField: 'cni.operatorSha256', pin: cni.operatorSha256, kind: 'sha256' },
    {
      urlField: 'ingress.manifestUrl',
      url: ingress.manifestUrl,
      pinField: 'ingress.manifestSha256',
      pin: ingress.manifestSha256,
      kind: 'sha256',
    },
    {
      urlField: 'dashboard.manifestUrl',
      url: dashboard.manifestUrl,
      pinField: 'dashboard.manifestSha256',
      pin: dashboard.manifestSha256,
      kind: 'sha256',
    },
    {
      urlField: 'packages.containerdTarballUrl',
      url: packages.containerdTarballUrl,
      pinField: 'packages.containerdTarballSha256',
      pin: packages.containerdTarballSha256,
      kind: 'sha256',
    },
    { urlField: 'packages.runcUrl', url: packages.runcUrl, pinField: 'packages.runcSha256', pin: packages.runcSha256, kind: 'sha256' },
    {
      urlField: 'packages.kubernetesRepoKey',
      url: packages.kubernetesRepoKey,
      pinField: 'packages.kubernetesRepoKeyFingerprint',
      pin: packages.kubernetesRepoKeyFingerprint,
      kind: 'fingerprint',
    },
    {
      urlField: 'packages.dockerRepoKey',
      url: packages.dockerRepoKey,
      pinField: 'packages.dockerRepoKeyFingerprint',
      pin: packages.dockerRepoKeyFingerprint,
      kind: 'fingerprint',
    },
  ];
}

/** How to find the pin for a URL, said in the error. */
function howToPin(o: Override, url: string): string {
  return o.kind === 'sha256'
    ? `get it with \`curl -fsSL ${url} | sha256sum\` from a copy you trust`
    : `get it with \`curl -fsSL ${url} | gpg --show-keys --with-fingerprint\` and compare it with the fingerprint the publisher documents`;
}

export function pinProblems(input: ClusterInput): Problem[] {
  const problems: Problem[] = [];
  for (const o of overrides(input)) {
    if (o.url === undefined) continue;
    if (o.pin === undefined)
      problems.push({
        field: o.pinField,
        message: `is required when ${o.urlField} is set (${o.url}): the hosts check the download against it before using it; ${howToPin(o, o.url)}, or write "${UNPINNED}" to use it unchecked`,
      });
    else if (o.pin === UNPINNED && new URL(o.url).protocol === 'http:')
      problems.push({
        field: o.urlField,
        value: o.url,
        message: `is plain http and ${o.pinField} is "${UNPINNED}": nothing would detect a file changed on the way; use https, or pin it: ${howToPin(o, o.url)}`,
      });
  }
  return problems;
}

/** A download a run of this inventory makes, with its pin, for `plan` and the warnings. */
export interface Download {
  what: string;
  url: string;
  /** 'sha256 <hex>', 'key fingerprint <hex>' or 'unpinned'. */
  pin: string;
  /** The inventory key that sets the pin. */
  field: string;
  unpinned: boolean;
}

export function downloadsOf(spec: ClusterSpec): Download[] {
  const files = [
    ...(spec.cni.plugin === 'flannel' || spec.cni.install === 'manifest'
      ? [{ what: `${spec.cni.plugin === 'flannel' ? 'flannel' : 'Calico'} manifest`, d: spec.cni.manifest }]
      : [
          { what: 'Tigera operator CRDs', d: spec.cni.operatorCrds },
          { what: 'Tigera operator', d: spec.cni.operator },
        ]),
    ...(spec.ingress.controller === 'none' ? [] : [{ what: `${spec.ingress.controller} manifest`, d: spec.ingress.manifest }]),
    ...(spec.dashboard.kind === 'none' ? [] : [{ what: `${spec.dashboard.kind} manifest`, d: spec.dashboard.manifest }]),
    ...(spec.packages.containerd === 'tarball' && spec.packages.containerdTarball && spec.packages.runc
      ? [
          { what: 'containerd release tarball', d: spec.packages.containerdTarball },
          { what: 'runc binary', d: spec.packages.runc },
        ]
      : []),
    // The docker-compose variant's image, when it comes from an archive (else compose pulls it by reference).
    ...(spec.etcd.mode === 'docker-compose' && spec.etcd.imageArchiveUrl
      ? [
          {
            what: `etcd image archive (${spec.etcd.image})`,
            d: { url: spec.etcd.imageArchiveUrl, sha256: spec.etcd.imageArchiveSha256 ?? '', field: 'etcd.imageArchiveSha256' },
          },
        ]
      : []),
  ].map(({ what, d }) => ({ what, url: d.url, field: d.field, unpinned: d.sha256 === UNPINNED, pin: `sha256 ${d.sha256}` }));
  const keys = [
    { what: 'Kubernetes apt key', k: spec.packages.kubernetesRepoKey },
    ...(spec.packages.containerd === 'docker' ? [{ what: 'Docker apt key', k: spec.packages.dockerRepoKey }] : []),
  ].map(({ what, k }) => ({
    what,
    url: k.url,
    field: k.field,
    unpinned: k.fingerprint === UNPINNED,
    pin: `key fingerprint ${k.fingerprint}`,
  }));
  return [...keys, ...files].map((d) => (d.unpinned ? { ...d, pin: UNPINNED } : d));
}

/** One warning line per download the inventory leaves unchecked ("unpinned"). */
export function unpinnedWarnings(spec: ClusterSpec): string[] {
  return downloadsOf(spec)
    .filter((d) => d.unpinned)
    .map((d) => `${d.field} = "${UNPINNED}": the ${d.what} from ${d.url} is used as downloaded, unchecked`);
}
