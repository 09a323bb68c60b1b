// The apt repositories' signing keys, pinned by the fingerprint of their primary key: the hosts check
// a downloaded key against it before it goes into /etc/apt/keyrings (activities/host/repo-keys.ts), so
// a key swapped on the way or on a mirror is refused instead of trusted for every later package.
/** Docker's Debian repository key (the fingerprint Docker's install guide publishes, 9DC8 5822 ... 0EBF CD88). */
export const DOCKER_REPO_KEY = {
  url: 'https://download.docker.com/linux/debian/gpg',
  fingerprint: '9DC858229FC7DD38854AE2D88D81803C0EBFCD88',
} as const;

/**
 * pkgs.k8s.io's key, "isv:kubernetes OBS Project": the same primary key signs every minor's repository
 * (the Kubernetes install docs say so; kubernetes/kubernetes#128609 shows its fingerprint from the
 * Release.key files, kubernetes/release#3818 that newer repositories carry the same key with a later
 * expiry). A renewed expiry keeps the fingerprint; a new key would need a new pin here.
 */
export const KUBERNETES_REPO_KEY_FINGERPRINT = 'DE15B14486CD377B9E876E1A234654DA9A296436';

export function kubernetesRepo(minor: string): { repo: string; key: string } {
  const repo = `https://pkgs.k8s.io/core:/stable:/v${minor}/deb/`;
  return { repo, key: `${repo}Release.key` };
}
