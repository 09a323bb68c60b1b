// Pinned downloads on a real host, without the lab: a real sshd on 127.0.0.1 (this machine is the
// host), a node http server on 127.0.0.1 serving a manifest and OpenPGP keys generated at test time.
// Checks the verified download (the file reaches its user only with the pinned sha256, and is removed
// on every path), apply() (a mismatch applies nothing) and the repository key pinning (a key goes into
// the keyring only with the pinned fingerprint; a refused key leaves the keyring as it was).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ApplicationFailure } from '@temporalio/common';
import { SshPool } from '../../src/activities/ssh/pool';
import { HostSession } from '../../src/activities/host/session';
import { DOWNLOAD_PREFIX, withVerifiedDownload } from '../../src/activities/host/verified-download';
import { ensureRepoKey } from '../../src/activities/host/repo-keys';
import { apply } from '../../src/activities/steps/kubectl';
import { maskSecrets } from '../../src/activities/host/mask';
import { loadInventory } from '../../src/inventory/load';
import type { PinnedDownload, PinnedKey } from '../../src/inventory/spec';
import { canRunSshd, startSshd, type TestSshd } from '../helpers/sshd';
import { EXAMPLE, tempDir } from '../helpers/inventory';

const canRunGpg = spawnSync('gpg', ['--version']).status === 0;
const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const leftDownloads = () => fs.readdirSync('/tmp').filter((f) => `/tmp/${f}`.startsWith(DOWNLOAD_PREFIX));

/** A throwaway OpenPGP key (ed25519, no passphrase) in its own GNUPGHOME: its armored public key and fingerprint. */
function generateKey(home: string, name: string): { armored: string; fingerprint: string } {
  const gpg = (...args: string[]) => {
    const r = spawnSync('gpg', ['--batch', '--homedir', home, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  gpg('--passphrase', '', '--quick-gen-key', `${name} <${name}@hakube.invalid>`, 'ed25519', 'sign', 'never');
  const colons = gpg('--with-colons', '--list-keys', `${name}@hakube.invalid`);
  const fingerprint = colons
    .split('\n')
    .find((l) => l.startsWith('fpr:'))!
    .split(':')[9];
  return { armored: gpg('--armor', '--export', `${name}@hakube.invalid`), fingerprint };
}

describe(
  'pinned downloads on a host (real sshd and http server on 127.0.0.1)',
  { skip: (!canRunSshd() && 'needs root and /usr/sbin/sshd') || (!canRunGpg && 'needs gpg') },
  () => {
    let sshd: TestSshd;
    let pool: SshPool;
    let session: HostSession;
    let server: http.Server;
    let base: string;
    let gnupgHome: string;
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pinned-download-test\n';
    const files = new Map<string, string>();
    let key: { armored: string; fingerprint: string };
    let otherKey: { armored: string; fingerprint: string };

    before(async () => {
      gnupgHome = tempDir('hakube-gnupg-');
      fs.chmodSync(gnupgHome, 0o700);
      key = generateKey(gnupgHome, 'repo');
      otherKey = generateKey(gnupgHome, 'intruder');
      files.set('/manifest.yaml', manifest);
      files.set('/key.asc', key.armored);
      files.set('/other.asc', otherKey.armored);
      files.set('/both.asc', key.armored + otherKey.armored); // the right key with another primary key next to it
      files.set('/error.html', '<html>502 Bad Gateway</html>\n');
      server = http.createServer((req, res) => {
        const body = files.get(req.url ?? '');
        res.writeHead(body === undefined ? 404 : 200).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      sshd = await startSshd();
      pool = new SshPool();
      const spec = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
      const first = spec.hosts[0]; // the first master: apply() runs kubectl there
      const local = { ...spec, hosts: [{ ...first, ssh: sshd.root }, ...spec.hosts.slice(1)] };
      session = new HostSession(pool, local, first.name, 'pins');
    });
    after(async () => {
      await pool?.closeAll();
      await sshd?.stop();
      await new Promise((resolve) => server?.close(resolve));
      if (gnupgHome) spawnSync('gpgconf', ['--homedir', gnupgHome, '--kill', 'gpg-agent']); // started by the key generation
    });

    const pinned = (sha: string): PinnedDownload => ({ url: `${base}/manifest.yaml`, sha256: sha, field: 'cni.manifestSha256' });

    test('the right sha256: the downloaded file is handed over (private, in a temp file) and removed afterwards', async () => {
      let seen: string | undefined;
      const content = await withVerifiedDownload(session, pinned(sha256(manifest)), async (file) => {
        seen = file;
        assert.ok(file.startsWith(DOWNLOAD_PREFIX), file);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'only root reads the download');
        return fs.readFileSync(file, 'utf8');
      });
      assert.equal(content, manifest);
      assert.equal(fs.existsSync(seen!), false, 'temp file removed');
    });

    test('a wrong sha256: refused without retries, naming both hashes and the URL; nothing used, temp file gone', async () => {
      const before = leftDownloads();
      const wrong = 'e'.repeat(64);
      let used = false;
      await assert.rejects(
        withVerifiedDownload(session, pinned(wrong), async () => {
          used = true;
        }),
        (err: unknown) => {
          assert.ok(err instanceof ApplicationFailure, String(err));
          assert.equal(err.nonRetryable, true);
          assert.equal(err.type, 'DownloadMismatch');
          for (const part of [wrong, sha256(manifest), `${base}/manifest.yaml`, 'cni.manifestSha256', 'nothing was applied'])
            assert.ok(err.message.includes(part), `${part} missing from: ${err.message}`);
          assert.equal(maskSecrets(err.message), err.message, 'the hashes survive secret masking (errors and heartbeats are masked)');
          return true;
        },
      );
      assert.equal(used, false, 'the mismatched file never reached its user');
      assert.deepEqual(leftDownloads(), before, 'temp file removed');
    });

    test('a failed download (404) fails the step and leaves no temp file', async () => {
      const before = leftDownloads();
      await assert.rejects(withVerifiedDownload(session, { ...pinned(sha256(manifest)), url: `${base}/missing.yaml` }, async () => 0));
      assert.deepEqual(leftDownloads(), before);
    });

    test('apply() of a mismatched manifest runs no kubectl; a manifest URL given as a plain string is refused', async () => {
      const before = leftDownloads();
      await assert.rejects(apply(session, pinned('0'.repeat(64))), (err: Error) => err instanceof ApplicationFailure && err.nonRetryable);
      assert.deepEqual(leftDownloads(), before);
      assert.doesNotMatch(session.heartbeatDetails.command ?? '', /kubectl/, 'the last command run was not kubectl');
      await assert.rejects(apply(session, `${base}/manifest.yaml`), /must come pinned/);
    });

    describe('repository keys', () => {
      let keyring: string;
      before(() => {
        keyring = path.join(tempDir('hakube-keyrings-'), 'keyrings', 'test-repo.asc');
      });
      const pin = (file: string, fingerprint: string): PinnedKey => ({
        url: `${base}${file}`,
        fingerprint,
        field: 'packages.kubernetesRepoKeyFingerprint',
      });

      test('the key with the pinned fingerprint is installed (0644), and left alone the second time', async () => {
        assert.equal(await ensureRepoKey(session, pin('/key.asc', key.fingerprint), keyring), true);
        assert.equal(fs.readFileSync(keyring, 'utf8'), key.armored);
        assert.equal(fs.statSync(keyring).mode & 0o777, 0o644);
        assert.equal(await ensureRepoKey(session, pin('/key.asc', key.fingerprint), keyring), false, 'idempotent');
        assert.ok(!fs.existsSync(`${keyring}.hakube-new`));
      });

      for (const [file, why] of [
        ['/other.asc', 'another key'],
        ['/both.asc', 'the right key next to another primary key'],
        ['/error.html', 'no key at all'],
      ] as const)
        test(`a key file with ${why} is refused without retries, naming both fingerprints; the keyring is untouched`, async () => {
          const before = { content: fs.readFileSync(keyring, 'utf8'), mtime: fs.statSync(keyring).mtimeMs };
          const downloads = leftDownloads();
          await assert.rejects(ensureRepoKey(session, pin(file, key.fingerprint), keyring), (err: unknown) => {
            assert.ok(err instanceof ApplicationFailure, String(err));
            assert.equal(err.nonRetryable, true);
            assert.equal(err.type, 'KeyFingerprintMismatch');
            assert.ok(err.message.includes(key.fingerprint), err.message);
            assert.ok(err.message.includes(`${base}${file}`), err.message);
            if (file !== '/error.html') assert.ok(err.message.includes(otherKey.fingerprint), err.message);
            return true;
          });
          assert.deepEqual({ content: fs.readFileSync(keyring, 'utf8'), mtime: fs.statSync(keyring).mtimeMs }, before);
          assert.deepEqual(leftDownloads(), downloads, 'temp file removed');
        });

      test('a pinned key replaces a different installed keyring', async () => {
        fs.writeFileSync(keyring, otherKey.armored);
        assert.equal(await ensureRepoKey(session, pin('/key.asc', key.fingerprint), keyring), true);
        assert.equal(fs.readFileSync(keyring, 'utf8'), key.armored);
      });
    });
  },
);
