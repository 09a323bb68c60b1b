// Container images for sites without a registry: a `docker save` archive served over http(s),
// downloaded to a private temp file, checked against its sha256, `docker load`ed, and the wanted image
// reference then checked to be one the archive held. A marker per archive digest records the image ID
// it gave, so a re-run that finds that image under that reference downloads nothing.
import { shq } from '../ssh/shell';
import type { HostSession } from './session';

/** Where the marker of each loaded archive is kept (root only). */
export const IMAGE_ARCHIVE_MARKERS = '/var/lib/hakube/image-archives';
/** Prefix of the downloads: anything under it is a leftover of an attempt that was killed. */
export const IMAGE_ARCHIVE_TMP_PREFIX = '/var/tmp/hakube-image-archive.';

/** Exit codes of LOAD_ARCHIVE that retrying cannot fix. */
const SHA_MISMATCH = 3;
const IMAGE_NOT_IN_ARCHIVE = 6;

const LOAD_ARCHIVE = `
set -u
image=$1; url=$2; want=$3; markers=$4; prefix=$5; field=$6
# The step lock lets one step run on this host at a time: a file under the prefix now is a leftover
# of an attempt killed before its trap ran.
rm -f "$prefix"*
marker=$markers/$want.id
have=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [ -n "$have" ] && [ -s "$marker" ] && [ "$(cat "$marker")" = "$have" ]; then echo "unchanged $have"; exit 0; fi
tmp=$(mktemp "\${prefix}XXXXXX") || exit 1
trap 'rm -f "$tmp"' EXIT
trap 'exit 143' TERM INT HUP
curl -fsS --retry 3 --connect-timeout 20 -o "$tmp" "$url" || { echo "could not download $url (curl exit $?)" >&2; exit 4; }
got=$(sha256sum "$tmp" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "sha256 mismatch: $field is $want, but the file downloaded from $url has $got (not loaded)" >&2; exit ${SHA_MISMATCH}
fi
out=$(docker load -i "$tmp" 2>&1) || { echo "docker load of $url failed: $out" >&2; exit 5; }
echo "$out"
ids=$( { echo "$out" | sed -n 's/^Loaded image: //p' | while read -r ref; do docker image inspect --format '{{.Id}}' "$ref"; done
         echo "$out" | sed -n 's/^Loaded image ID: //p'; } 2>/dev/null)
id=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [ -z "$id" ] || ! printf '%s\\n' "$ids" | grep -qxF "$id"; then
  echo "the archive at $url does not hold $image; it held: $(echo "$out" | sed -n 's/^Loaded image\\( ID\\)\\{0,1\\}: //p' | tr '\\n' ' ')" >&2
  exit ${IMAGE_NOT_IN_ARCHIVE}
fi
mkdir -p -m 700 "$markers"
echo "$id" > "$marker.new" && mv -f "$marker.new" "$marker"
echo "loaded $id"
`;

export interface ImageArchive {
  /** The image reference the archive must hold. */
  image: string;
  url: string;
  sha256: string;
  /** The inventory field holding the sha256, named in a mismatch. */
  sha256Field: string;
}

/** Makes `archive.image` present from the archive; true when it was loaded (false: already there). */
export async function ensureImageFromArchive(s: HostSession, archive: ImageArchive): Promise<boolean> {
  const command = `/bin/sh -c ${shq(LOAD_ARCHIVE)} image-archive ${[archive.image, archive.url, archive.sha256, IMAGE_ARCHIVE_MARKERS, IMAGE_ARCHIVE_TMP_PREFIX, archive.sha256Field].map(shq).join(' ')}`;
  const r = await s.probe(command, { timeoutMs: 20 * 60_000 });
  const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join('\n');
  if (r.code === SHA_MISMATCH) s.refuse(said, 'ImageArchiveChecksumMismatch');
  if (r.code === IMAGE_NOT_IN_ARCHIVE) s.refuse(said, 'ImageNotInArchive');
  if (r.code !== 0) throw new Error(`${s.host.name}: loading ${archive.image} from ${archive.url} failed (exit ${r.code}): ${said}`);
  const loaded = /^loaded /m.test(r.stdout);
  s.log(loaded ? `loaded ${archive.image} from ${archive.url}` : `${archive.image} already loaded from this archive`);
  return loaded;
}
