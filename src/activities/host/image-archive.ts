// Container images for sites without a registry: a `docker save` archive served over http(s),
// fetched and sha256-checked by the one download mechanism (verified-download.ts), `docker load`ed,
// and the wanted image reference then checked to be one the archive held. A marker per archive digest
// records the image ID it gave, so a re-run that finds that image under that reference downloads nothing.
import type { PinnedDownload } from '../../inventory/spec';
import { shq } from '../ssh/shell';
import type { HostSession } from './session';
import { withVerifiedDownload } from './verified-download';

/** Where the marker of each loaded archive is kept (root only). */
export const IMAGE_ARCHIVE_MARKERS = '/var/lib/hakube/image-archives';

/** Exit code of LOAD_ARCHIVE when the archive does not hold the image: retrying cannot fix it. */
const IMAGE_NOT_IN_ARCHIVE = 6;

/** docker load of a checked file; the image must be one the archive loaded. Prints "loaded <id>". */
const LOAD_ARCHIVE = `
set -u
image=$1; file=$2; url=$3; marker=$4
out=$(docker load -i "$file" 2>&1) || { echo "docker load of $url failed: $out" >&2; exit 5; }
ids=$( { echo "$out" | sed -n 's/^Loaded image: //p' | while read -r ref; do docker image inspect --format '{{.Id}}' "$ref"; done
         echo "$out" | sed -n 's/^Loaded image ID: //p'; } 2>/dev/null)
id=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [ -z "$id" ] || ! printf '%s\\n' "$ids" | grep -qxF "$id"; then
  echo "the archive at $url does not hold $image; it held: $(echo "$out" | sed -n 's/^Loaded image\\( ID\\)\\{0,1\\}: //p' | tr '\\n' ' ')" >&2
  exit ${IMAGE_NOT_IN_ARCHIVE}
fi
mkdir -p -m 700 "$(dirname "$marker")"
echo "$id" > "$marker.new" && mv -f "$marker.new" "$marker"
echo "loaded $id"
`;

/** Makes `image` present from the pinned archive; true when it was loaded (false: already there). */
export async function ensureImageFromArchive(s: HostSession, image: string, archive: PinnedDownload): Promise<boolean> {
  const marker = `${IMAGE_ARCHIVE_MARKERS}/${archive.sha256}.id`;
  const have = (await s.sh(`docker image inspect --format '{{.Id}}' ${shq(image)} 2>/dev/null || true`)).trim();
  if (have && (await s.sh(`cat ${shq(marker)} 2>/dev/null || true`)).trim() === have) {
    s.log(`${image} already loaded from this archive`);
    return false;
  }
  await withVerifiedDownload(s, archive, async (file) => {
    const r = await s.probe(`/bin/sh -c ${shq(LOAD_ARCHIVE)} image-archive ${[image, file, archive.url, marker].map(shq).join(' ')}`, {
      timeoutMs: 20 * 60_000,
    });
    const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join('\n');
    if (r.code === IMAGE_NOT_IN_ARCHIVE) s.refuse(said, 'ImageNotInArchive');
    if (r.code !== 0) throw new Error(`${s.host.name}: loading ${image} from ${archive.url} failed (exit ${r.code}): ${said}`);
  });
  s.log(`loaded ${image} from ${archive.url}`);
  return true;
}
