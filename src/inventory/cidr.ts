// CIDR overlap checks for the inventory (inputs are already schema-validated), on ipaddr.js.
import ipaddr from 'ipaddr.js';

export type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function cidrRange(cidr: string): Range {
  return ipaddr.parseCIDR(cidr);
}

/** Two CIDR blocks overlap exactly when one contains the other's network address. */
export function overlaps(a: Range, b: Range): boolean {
  const network = (r: Range) => ipaddr.IPv4.networkAddressFromCIDR(`${r[0].toString()}/${r[1]}`);
  return network(a).match(b) || network(b).match(a);
}

export function contains(range: Range, ip: string): boolean {
  return ipaddr.parse(ip).match(range);
}
