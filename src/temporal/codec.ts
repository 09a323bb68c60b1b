// Encrypts every payload hakube puts into Temporal (the inventory with host addresses and key paths,
// progress, results), so the server, its database and its backups hold only ciphertext. The format is
// Temporal's encryption sample's (metadata encoding "binary/encrypted" and "encryption-key-id"; data =
// 12-byte IV, AES-256-GCM ciphertext of the whole serialized payload, 16-byte tag), so any codec server
// written to that sample can read it with the same key.
// Codecs run outside the workflow sandbox: the client, the worker and the codec server use this.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { codecKeysFile, KeyFile, type KeyRing } from './codec-keys';
import { FAILURE_CONVERTER_PATH } from './worker-paths';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys.current();
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      const plain = temporal.api.common.v1.Payload.encodeDelimited(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: Buffer.from(id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was on (or by the replay fixture) pass through unchanged.
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[METADATA_KEY_ID]);
      if (!id) throw new ValueError(`an encrypted payload carries no ${METADATA_KEY_ID}: it cannot be decrypted`);
      const key = this.keys.get(id);
      if (!key)
        throw new ValueError(
          `a payload is encrypted with key "${id}", which is not in ${this.keys.source} (it has ${this.keys.ids().join(', ')}): ` +
            'use the key file the workers use (HAKUBE_CODEC_KEYS), or restore the key from its backup',
        );
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES)
        throw new ValueError(`an encrypted payload (key "${id}") is too short: it was cut or altered`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new ValueError(
          `an encrypted payload (key "${id}") fails authentication: it was altered, or the key with this id is not the one that encrypted it`,
        );
      }
      return temporal.api.common.v1.Payload.decodeDelimited(plain);
    });
  }
}

/** The codec over hakube's key file (created on first use): what the CLI, the worker and the codec server use. */
export const openCodec = (file = codecKeysFile()) => new AesGcmCodec(KeyFile.open(file));

/** The data converter of hakube's clients and workers: payloads and failure messages through the codec. */
export const hakubeDataConverter = (file = codecKeysFile()) => ({
  payloadCodecs: [openCodec(file)],
  failureConverterPath: FAILURE_CONVERTER_PATH,
});
