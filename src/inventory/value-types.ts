// Strict types for every free-text inventory value. Values end up in root-owned files (systemd
// units, apt sources, etcd settings, compose files) and shell commands: a type that admits no
// whitespace, newline, quote or leading dash is what keeps a value from adding a line, a key or an
// option there. Each says what it accepts so the error tells the user what to write.
import { z } from 'zod';
import ipaddr from 'ipaddr.js';

/** Host addresses: IPv4 unicast (private, shared or public), not loopback, unspecified, broadcast or multicast. */
export const hostAddress = z
  .ipv4({ error: 'must be an IPv4 address' })
  // (zod runs refinements on values the ipv4 check already refused: those pass here, reported once)
  .refine((a) => !ipaddr.IPv4.isValidFourPartDecimal(a) || ['unicast', 'private', 'carrierGradeNat'].includes(ipaddr.parse(a).range()), {
    error: (issue) => `is a ${ipaddr.parse(String(issue.input)).range()} address: a host needs a unicast address other hosts reach`,
  });

/** POSIX portable user names (useradd's default rule). */
export const posixUser = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a POSIX user name (lowercase letters, digits, "_", "-")');

/** An absolute path without spaces, quotes or shell characters. */
export const absolutePath = z.string().regex(/^\/[A-Za-z0-9._/+-]*$/, 'must be an absolute path of letters, digits and . _ / + -');

/** A Debian package name (policy 5.6.1), or "" where the field allows skipping. */
export const debianPackage = z
  .string()
  .regex(/^([a-z0-9][a-z0-9+.-]+)?$/, 'must be a Debian package name (lowercase letters, digits, + - .; not starting with -)');

/** A Debian version string (policy 5.6.12). */
export const debianVersion = z.string().regex(/^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*$/, 'must be a Debian version such as 1.37.1-1.1');

/** An apt suite ("/" for flat repositories such as pkgs.k8s.io). */
export const aptSuite = z.string().regex(/^(\/|[A-Za-z0-9][A-Za-z0-9._/-]*)$/, 'must be an apt suite such as / or bookworm (no spaces)');

/** A container image reference (registry/name[:tag][@sha256:digest]). */
export const imageReference = z
  .string()
  .max(255)
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    'must be an image reference such as quay.io/coreos/etcd:v3.5.21',
  );

/** A sha256 digest as `sha256sum` prints it: 64 lowercase hex digits. */
export const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, 'must be a sha256 digest: 64 lowercase hex digits, as sha256sum prints it');

/** A token or name used in configuration files: letters, digits and . _ - only. */
export const token = (min: number, max: number) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9._-]{${min},${max}}$`), `must be ${min} to ${max} letters, digits, ".", "_" or "-"`);

/** http(s) URLs without whitespace and without credentials (which would land in world-readable apt files). */
/** A registry host (with its port) and path, without a tag: where images of several names live. */
export const imageRepository = z
  .string()
  .max(255)
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
    'must be a registry and path such as registry.example.net:5000/kubernetes (no tag)',
  );

export const url = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .refine((u) => !/[\s"'\\]/.test(u), { error: 'must not contain spaces, quotes or backslashes' })
  .refine(
    (u) => {
      if (!URL.canParse(u)) return true; // refused by the URL check already
      const parsed = new URL(u);
      return !parsed.username && !parsed.password;
    },
    { error: 'must not carry a user or password: use a mirror that needs none, or a netrc on the hosts' },
  );

/** A Service NodePort in Kubernetes' default range. */
export const nodePort = z
  .number()
  .int()
  .min(30000, 'must be in the NodePort range 30000-32767')
  .max(32767, 'must be in the NodePort range 30000-32767');

/** The opt-out of a download's check, written where a sha256 or fingerprint goes ("plan" and "up" warn about it). */
export const UNPINNED = 'unpinned';

/** The sha256 a downloaded file must have, as `sha256sum` prints it: 64 lowercase hex digits (or "unpinned"). */
export const sha256Pin = z
  .string()
  .regex(
    new RegExp(`^([0-9a-f]{64}|${UNPINNED})$`),
    `must be a sha256 as \`sha256sum\` prints it (64 lowercase hex digits), or "${UNPINNED}" to apply the file unchecked`,
  );

/**
 * An OpenPGP key fingerprint, 40 hex digits (or "unpinned"). Spaces are removed and letters upper-cased, so the
 * grouped form publishers print ("9DC8 5822 9FC7 ...") can be pasted as is; it is compared with gpg's output.
 */
export const keyFingerprint = z
  .string()
  .transform((v) => (v === UNPINNED ? v : v.replace(/ /g, '').toUpperCase()))
  .pipe(
    z
      .string()
      .regex(
        new RegExp(`^([0-9A-F]{40}|${UNPINNED})$`),
        `must be a key fingerprint of 40 hex digits (spaces allowed), or "${UNPINNED}" to trust the key as downloaded (https only)`,
      ),
  );
