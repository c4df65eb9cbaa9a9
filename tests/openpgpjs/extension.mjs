// OpenPGP messages written and read the way Passbolt's browser extension 5.x does it, with its own library
// (openpgp.js 6, pinned in package.json). The extension (passbolt-styleguide EncryptMessageService and
// DecryptMessageService) writes `openpgp.encrypt({message: await openpgp.createMessage({text}), encryptionKeys,
// signingKeys})` with openpgp.js's default configuration: UTF-8 literal data ('u'), text signatures (0x01) and
// the random salt notation (salt@notations.openpgpjs.org) in every signature.
//
// stdin: {"op": "encrypt", "jobs": [{"text", "encryption_keys": [armored], "signing_keys": [{"armored", "passphrase"}]}]}
//     or {"op": "decrypt", "jobs": [{"message", "decryption_key": {"armored", "passphrase"}, "verification_keys": [armored]}]}
// stdout: {"results": [...]}: encrypt -> {"armored"};
//     decrypt -> {"text", "literal_format", "signatures": [{"key_id", "valid", "type", "error"}]}
// A job that fails gives {"error": message} in its place.
import * as openpgp from 'openpgp';

async function privateKey(spec) {
  const key = await openpgp.readPrivateKey({armoredKey: spec.armored});
  return key.isDecrypted() ? key : openpgp.decryptKey({privateKey: key, passphrase: spec.passphrase || ''});
}

async function encrypt(job) {
  const encryptionKeys = await Promise.all(job.encryption_keys.map((armoredKey) => openpgp.readKey({armoredKey})));
  const signingKeys = await Promise.all((job.signing_keys || []).map(privateKey));
  const options = {message: await openpgp.createMessage({text: job.text}), encryptionKeys};
  if (signingKeys.length) {
    options.signingKeys = signingKeys;
  }
  return {armored: await openpgp.encrypt(options)};
}

async function decrypt(job) {
  const message = await openpgp.readMessage({armoredMessage: job.message});
  const again = await openpgp.readMessage({armoredMessage: job.message});
  const verificationKeys = await Promise.all((job.verification_keys || []).map((armoredKey) => openpgp.readKey({armoredKey})));
  const decrypted = await openpgp.decrypt({message, decryptionKeys: await privateKey(job.decryption_key), verificationKeys});
  const signatures = [];
  for (const signature of decrypted.signatures) {
    let valid = false;
    let error = null;
    let type = null;
    try {
      valid = await signature.verified;
    } catch (exc) {
      error = exc.message;
    }
    try {
      type = openpgp.enums.read(openpgp.enums.signature, (await signature.signature).packets[0].signatureType);
    } catch (exc) {
      error = error || exc.message;
    }
    signatures.push({key_id: signature.keyID.toHex().toUpperCase(), valid, type, error});
  }
  const inner = await again.decrypt([await privateKey(job.decryption_key)]);
  const literal = inner.unwrapCompressed().packets.findPacket(openpgp.enums.packet.literalData);
  return {text: decrypted.data, literal_format: literal ? openpgp.enums.read(openpgp.enums.literal, literal.format) : null,
          signatures};
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const work = {encrypt, decrypt}[request.op];
  if (!work) {
    throw new Error('unknown op ' + request.op);
  }
  const results = [];
  for (const job of request.jobs) {
    try {
      results.push(await work(job));
    } catch (exc) {
      results.push({error: exc.message});
    }
  }
  process.stdout.write(JSON.stringify({results}));
}

main().catch((exc) => {
  process.stderr.write(String(exc && exc.stack || exc) + '\n');
  process.exit(1);
});
