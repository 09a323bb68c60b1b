// Whether a server (etcd, an API server) serves the certificate now on disk, i.e. was restarted after it
// was issued. One SSH round trip: both fingerprints printed by one command.
import { shq } from '../ssh/shell';
import type { HostSession } from './session';

const FINGERPRINT = 'openssl x509 -noout -fingerprint -sha256';

export async function servedCertificate(s: HostSession, server: string, file: string): Promise<{ served: string; onDisk: string }> {
  const [served = '', onDisk = ''] = (
    await s.sh(`openssl s_client -connect ${server} </dev/null 2>/dev/null | ${FINGERPRINT}; ${FINGERPRINT} -in ${shq(file)}`, {
      timeoutMs: 30_000,
    })
  )
    .trim()
    .split('\n')
    .map((l) => l.trim());
  return { served, onDisk };
}
