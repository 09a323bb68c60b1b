// The activity contract between workflows and workers. Workflows import this file with
// `import type` only. Requests carry the cluster spec (no secrets: key paths only) and a host
// name; results carry no secrets either.
import type { ClusterSpec } from '../inventory/spec';
import type { PhaseId } from '../workflows/phases';

export interface HostRequest {
  spec: ClusterSpec;
  host: string;
  /** Names this run's backups on the host (/var/lib/hakube/backups/<tag>/...). */
  backupTag: string;
}

/** What a step did: `changed: false` means it found the host already as wanted. */
export interface StepResult {
  changed: boolean;
  summary: string;
}

export interface PreflightReport extends StepResult {
  os: string;
  kernel: string;
  cgroup: 'v1' | 'v2' | 'hybrid';
  warnings: string[];
}

export interface RebootCheck {
  required: boolean;
  reason: string;
}

/** An undo action, registered before the step that may half-apply. Plain data, run by `compensate`. */
export interface Compensation {
  host: string;
  phase: PhaseId;
  description: string;
  backupTag: string;
  /** Files put back from this run's backups (or removed if they did not exist before). */
  restoreFiles: string[];
  stopUnits?: string[];
  restartUnits?: string[];
  startUnits?: string[];
  swapOn?: boolean;
}

export interface HakubeActivities {
  preflight(req: HostRequest): Promise<PreflightReport>;
  disableSwap(req: HostRequest): Promise<StepResult>;
  installBackportsKernel(req: HostRequest): Promise<StepResult & { rebootNeeded: boolean }>;
  checkKernel(req: HostRequest): Promise<StepResult>;
  applyKernelSettings(req: HostRequest): Promise<StepResult>;
  installContainerd(req: HostRequest): Promise<StepResult>;
  configureContainerd(req: HostRequest): Promise<StepResult>;
  installKubernetesPackages(req: HostRequest): Promise<StepResult>;
  rebootRequired(req: HostRequest): Promise<RebootCheck>;
  rebootHost(req: HostRequest): Promise<StepResult>;
  startEtcd(req: HostRequest): Promise<StepResult>;
  etcdHealthy(req: HostRequest): Promise<StepResult>;
  kubeadmInit(req: HostRequest): Promise<StepResult>;
  apiServerReady(req: HostRequest): Promise<StepResult>;
  applyCni(req: HostRequest): Promise<StepResult>;
  joinNode(req: HostRequest): Promise<StepResult>;
  nodeReady(req: HostRequest): Promise<StepResult>;
  installHaproxy(req: HostRequest): Promise<StepResult>;
  switchKubeletToLocalProxy(req: HostRequest): Promise<StepResult>;
  verifyHa(req: HostRequest): Promise<StepResult>;
  applyIngress(req: HostRequest): Promise<StepResult>;
  applyDashboard(req: HostRequest): Promise<StepResult>;
  compensate(req: { spec: ClusterSpec; compensation: Compensation }): Promise<StepResult>;
}
