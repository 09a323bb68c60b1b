// hakube certs renew -c NAME | -f cluster.yaml [--within DAYS] [--approve] [--schedule "every 24h"]:
// etcd's and kubeadm's certificates renewed one master at a time (phases/certs.ts), each master's etcd
// and control plane restarted behind a health gate. Without --within every certificate is renewed (as
// `kubeadm certs renew all`); with it only hosts' certificates ending within DAYS. --schedule makes it
// a daily check-and-renew (30 days unless --within says otherwise), as RKE2 renews before expiry.
import { loadInventory } from '../inventory/load';
import type { ClusterSpec } from '../inventory/spec';
import type { OperationOptions } from '../contracts/activity-request';
import { recordedSpec } from '../temporal/client';
import { runOperation } from './operation-runner';
import { resultSummary } from './progress-view';
import { scheduleFromCli } from './schedule-operation';
import type { ClusterRef } from './cluster-ref';

export interface CertsRenewOptions extends ClusterRef {
  within?: string;
  approve?: boolean;
  schedule?: string;
  detach?: boolean;
}

/** A scheduled renewal's threshold unless --within is given (kubeadm certificates live 365 days). */
export const DEFAULT_SCHEDULED_WITHIN_DAYS = 30;

export function renewalOptions(options: CertsRenewOptions): OperationOptions {
  const within = options.within ?? (options.schedule !== undefined ? String(DEFAULT_SCHEDULED_WITHIN_DAYS) : undefined);
  if (within !== undefined && !/^\d+$/.test(within)) throw new Error(`--within ${within}: whole days from 1 to 3650`);
  const days = within === undefined ? undefined : Number(within);
  if (days !== undefined && (days < 1 || days > 3650)) throw new Error(`--within ${within}: whole days from 1 to 3650`);
  return { ...(days !== undefined && { renewWithinDays: days }), ...(options.approve && { approveRenewal: true }) };
}

export async function certsRenewCommand(options: CertsRenewOptions): Promise<number> {
  if (!options.cluster === !options.file) throw new Error('say which cluster: -c NAME (as installed) or -f cluster.yaml');
  const renewal = renewalOptions(options);
  let spec: ClusterSpec | undefined = options.file ? loadInventory(options.file, { requireKeyFiles: true }).spec : undefined;
  const which =
    renewal.renewWithinDays === undefined ? 'every certificate' : `the certificates ending within ${renewal.renewWithinDays} days`;
  if (options.schedule !== undefined)
    return scheduleFromCli(
      { cluster: options.cluster, spec },
      'renew-certs',
      options.schedule,
      renewal,
      (s) => `${which} of ${s.name} renewed${renewal.approveRenewal ? ' after `hakube approve`' : ''}`,
    );
  return runOperation(async (session) => (spec ??= await recordedSpec(session.client, options.cluster!)), {
    operation: 'renew-certs',
    options: renewal,
    detach: options.detach,
    onCompleted(result, link) {
      const renewed = result.phases.some((p) => p.id !== 'certs-due' && Object.values(p.hosts).some((h) => h.changed.length > 0));
      if (!renewed) console.log(`\nNothing to renew: no certificate of ${spec!.name} ends within ${renewal.renewWithinDays} days.`);
      else {
        console.log(`\nCertificates of ${spec!.name} renewed (${which}).\n${resultSummary(result)}`);
        console.log(
          'Copies of admin.conf made before (`hakube kubeconfig`, ~/.kube/config) still work until their own certificate ends; ' +
            `\`hakube kubeconfig -c ${spec!.name}\` fetches the renewed one. The old files are in /var/lib/hakube/backups/<run> on each master.`,
        );
      }
      console.log(`\`hakube certs check -c ${spec!.name}\` lists every certificate with its days left.`);
      if (link) console.log(`history: ${link}`);
    },
  });
}
