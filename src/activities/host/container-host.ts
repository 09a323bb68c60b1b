// The accommodations hakube makes for hosts that are containers or VMs sharing a kernel (the lab's
// systemd-in-docker hosts, LXC, some cloud images), in one named place. Both are right on plain
// machines too; they exist because a kernel shared with the machine behaves differently.

/**
 * What identifies one boot. A container host keeps its machine's kernel boot_id across its own
 * reboot (and is down for under 2 s, so SSH dropping proves nothing); multi-user.target's start
 * time changes with every boot of systemd, on containers and machines alike.
 */
export const BOOT_MARKER_COMMAND = 'cat /proc/sys/kernel/random/boot_id; systemctl show -p ActiveEnterTimestamp --value multi-user.target';

/**
 * Loads overlay and br_netfilter unless their function is already there: loaded, or built into the
 * kernel (then there is no module file, and a container host has only its machine's kernel and no
 * /lib/modules to load from).
 */
export const LOAD_KERNEL_MODULES_COMMAND =
  'grep -qw overlay /proc/filesystems || modprobe overlay; [ -d /proc/sys/net/bridge ] || modprobe br_netfilter';

/** bridge-nf-call-iptables must be 1 where the bridge module exposes it (a container may not see it). */
export const CHECK_BRIDGE_SYSCTL_COMMAND =
  '[ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || [ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 1 ] || { echo "bridge-nf-call-iptables is not 1" >&2; exit 1; }';
