// When the certificates on a host end: every certificate file kubeadm and hakube write, and the client
// certificate inside each kubeconfig. Read by `hakube certs check` and by the renewal's due check.
import { ETCD_PKI_DIR } from '../../contracts/remote-files';

/** Shell: prints "path|notAfter" for every certificate file and every kubeconfig's embedded client certificate. */
export const LIST_CERTIFICATES = `
for f in /etc/kubernetes/pki/*.crt ${ETCD_PKI_DIR}/*.crt /var/lib/kubelet/pki/kubelet-client-current.pem; do
  [ -f "$f" ] && echo "$f|$(openssl x509 -enddate -noout -in "$f" | cut -d= -f2)"
done
for k in /etc/kubernetes/*.conf; do
  [ -f "$k" ] || continue
  d=$(awk '/client-certificate-data:/ { print $2; exit }' "$k")
  [ -n "$d" ] && echo "$k|$(printf '%s' "$d" | base64 -d | openssl x509 -enddate -noout | cut -d= -f2)"
done
true`;

export interface CertificateExpiry {
  host: string;
  certificate: string;
  notAfter: Date;
  daysLeft: number;
}

/** The script's lines into expiries (days left rounded down), soonest first. */
export function parseExpiries(host: string, text: string, now: Date): CertificateExpiry[] {
  return text
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter((p): p is [string, string] => p.length === 2 && !!p[1])
    .map(([certificate, end]) => {
      const notAfter = new Date(end);
      return { host, certificate, notAfter, daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000) };
    })
    .filter((e) => !Number.isNaN(e.notAfter.getTime()));
}
