// IPv4 address/CIDR arithmetic for the overlap checks (inputs are already schema-validated).
export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export interface Range {
  first: number;
  last: number;
}

export function cidrRange(cidr: string): Range {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  const first = Math.floor(ipToInt(ip) / size) * size;
  return { first, last: first + size - 1 };
}

export function overlaps(a: Range, b: Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function contains(range: Range, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= range.first && n <= range.last;
}
