// Secret masking for anything that leaves the activity (heartbeats, errors): pure, unit-tested.

/** Shapes of secrets kubeadm prints: masked even when not known up front. */
const SECRET_PATTERNS: RegExp[] = [
  /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, // bootstrap token
  /(--certificate-key\s+|certificateKey:\s*"?)[a-f0-9]{64}/g,
  /\b[a-f0-9]{64}\b(?=\s*$)/gm, // a certificate key alone on its line (kubeadm init phase upload-certs)
  /(client-key-data|client-certificate-data|token):\s*\S+/g,
];

export function maskSecrets(text: string): string {
  return SECRET_PATTERNS.reduce(
    (acc, re) =>
      acc.replace(re, (m, prefix?: string) => (typeof prefix === 'string' && prefix && m.startsWith(prefix) ? `${prefix}***` : '***')),
    text,
  );
}
