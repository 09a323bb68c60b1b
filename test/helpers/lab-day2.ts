// What the day-2 lab tests on either lane (test/lab/lifecycle.test.ts on the stand-ins, test/lab/real-kubernetes
// on real Kubernetes) read and do the same way: an operation run to its end with its phase times, the Nodes
// as the first master's API server lists them, the lab grown or shrunk, the API asked through a worker's
// haproxy while something runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { progressOf, startOrAttach } from '../../src/temporal/client';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';
import type { OperationOptions } from '../../src/contracts/activity-request';
import type { OperationId } from '../../src/workflows/operations';
import { LAB_DIR } from './lab';
import { logPhaseTimes, type LabFixture } from './lab-fixture';

export const KUBECTL = 'kubectl --kubeconfig /etc/kubernetes/admin.conf';
const READY = `custom-columns='NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,SCHED:.spec.unschedulable' --no-headers`;

export function day2(lab: () => LabFixture) {
  const sh = (host: string, command: string) => lab().sh(host, command, 180_000);
  /**
   * An operation started (or attached to) and run to its end; its time and its phases' times printed. A host
   * that pauses (it would wait for an operator) ends the run at once and fails with its error.
   */
  async function runWithId(operation: OperationId, s: ClusterSpec, options?: OperationOptions) {
    const started = Date.now();
    const { handle } = await startOrAttach(lab().client, s, {
      taskQueue: lab().taskQueue,
      operation,
      autoApproveReboots: true,
      ...(options && { options }),
    });
    let done = false;
    const watching = (async () => {
      for (let i = 0; i < 720 && !done; i++) {
        await new Promise((r) => setTimeout(r, 5000));
        // Ended while it slept: no query after the run (the test's connection may be closed by then).
        if (done) break;
        const progress = await progressOf(handle).catch(() => undefined);
        const paused = progress?.phases.flatMap((p) =>
          Object.entries(p.hosts)
            .filter(([, h]) => h.state === 'paused')
            .map(([name, h]) => `${p.id}/${name}: ${h.error ?? ''}`),
        );
        if (!done && paused?.length) {
          await handle.terminate(`a host paused in a lab test`).catch(() => undefined);
          throw new Error(`${operation} paused:\n${paused.join('\n')}`);
        }
      }
    })();
    const result = await Promise.race([handle.result(), watching.then(() => handle.result())]).finally(() => (done = true));
    console.log(`lab: ${operation} ${JSON.stringify(options ?? {})}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await logPhaseTimes(lab(), handle.workflowId, result);
    return { result, workflowId: handle.workflowId };
  }
  return {
    sh,
    runWithId,
    run: async (operation: OperationId, s: ClusterSpec, options?: OperationOptions) => (await runWithId(operation, s, options)).result,
    /** name -> "Ready status[,cordoned]" as the first master's API server says. */
    nodes: async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        (await sh('master01', `${KUBECTL} get nodes -o ${READY}`))
          .split('\n')
          .filter(Boolean)
          .map((l) => l.trim().split(/\s+/))
          .map(([n, ready, sched]) => [n, `${ready}${sched === 'true' ? ',cordoned' : ''}`]),
      ),
    /** name -> the kubelet version its Node reports. */
    kubeletVersions: async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        (await sh('master01', `${KUBECTL} get nodes -o custom-columns=NAME:.metadata.name,V:.status.nodeInfo.kubeletVersion --no-headers`))
          .split('\n')
          .filter(Boolean)
          .map((l) => l.trim().split(/\s+/)),
      ),
    haproxyBackends: async (worker: string) =>
      (await sh(worker, 'awk \'$1 == "server" { print $2 }\' /etc/haproxy/haproxy.cfg')).split('\n').sort(),
    /** Runs `during` while `worker` asks the API's /readyz through its haproxy every 0.2 s (bounded: 10 min). */
    async probingThroughHaproxy(worker: string, during: () => Promise<unknown>) {
      let done = false;
      // failedInARow: the longest run of failed probes (an outage), as against a single request cut.
      const probes = { ok: 0, failed: 0, failedInARow: 0, failures: [] as string[] };
      const probing = (async () => {
        let row = 0;
        for (let i = 0; i < 3000 && !done; i++) {
          const r = await sh(worker, 'curl -sk -m 2 https://127.0.0.1:6443/readyz; echo " (curl exit $?)"');
          if (r === 'ok (curl exit 0)') {
            probes.ok++;
            row = 0;
          } else {
            probes.failed++;
            probes.failedInARow = Math.max(probes.failedInARow, ++row);
            probes.failures.push(`${new Date().toISOString()} ${r.slice(0, 200)}`);
          }
          await new Promise((res) => setTimeout(res, 200));
        }
      })();
      try {
        await during();
      } finally {
        done = true;
        await probing;
      }
      return probes;
    },
    /** The lab grown or shrunk (kept hosts untouched, on the lab's lane) and its inventory read again, under `name`. */
    labSize(masters: number, workers: number, name: string): ClusterSpec {
      const r = spawnSync('bash', [path.join(LAB_DIR, 'lab.sh'), 'up', '--masters', String(masters), '--workers', String(workers)], {
        stdio: 'inherit',
      });
      assert.equal(r.status, 0, 'lab up --masters --workers failed');
      return { ...loadInventory(path.join(LAB_DIR, 'cluster.yaml'), { requireKeyFiles: true }).spec, name };
    },
  };
}
