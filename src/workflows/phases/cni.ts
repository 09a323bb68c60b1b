import { activity, always, firstMaster, type PhaseDeclaration } from '../phase-model';

export const cni: PhaseDeclaration = {
  id: 'cni',
  articleStep: 9,
  title: 'The pod network (Calico or flannel), with the node address interface from the inventory',
  hosts: firstMaster,
  fanout: 'one-at-a-time',
  shouldRun: always,
  steps: [
    activity(
      'applyCni',
      'Calico applied with the interface autodetection',
      'long',
      "download the Calico manifest (or the operator CRDs and operator), check its pinned sha256, kubectl apply -f it; set the interface autodetection (IP_AUTODETECTION_METHOD / nodeAddressAutodetectionV4); flannel: its kube-flannel.yml likewise, then net-conf.json's Network = network.podSubnet and FLANNELD_IFACE_REGEX patched in",
      { writes: ['calico-node-env', 'calico-installation', 'flannel-net-conf', 'flannel-ds'] },
    ),
  ],
};
