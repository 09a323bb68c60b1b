// Wrapper module: the flannel CNI plugin (plugins/meta/flannel) of containernetworking/plugins v0.9.1,
// the last release the module proxy serves that still carries it (v1.0.0 moved it to
// github.com/flannel-io/cni-plugin, which the proxy does not serve); built by lab/real/extras.sh
// for the flannel-cni-plugin image.
module hakube.lab/real/flannel-cni

go 1.24

require github.com/containernetworking/plugins v0.9.1

require github.com/containernetworking/cni v0.8.1 // indirect

tool github.com/containernetworking/plugins/plugins/meta/flannel
