// The server's certificate for HTTPS, WSS and MQTTS: read from PEM files, checked at start with one
// clear message per problem (missing, unreadable, not PEM, key not the certificate's), and read again
// on SIGHUP — `setSecureContext` swaps it for new handshakes while open connections keep theirs.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import { ConfigError } from '../config.ts';

export interface TlsPaths {
  cert: string;
  key: string;
  /** CA for client certificates (devices); null = none asked for */
  ca?: string | null;
}

export interface TlsMaterial {
  context: SecureContextOptions;
  /** the certificate's subject and validity, for the start-up line and the reload log */
  subject: string;
  validTo: string;
  fingerprint256: string;
}

/** How a setting is named in messages (flag or variable). */
export interface TlsLabels {
  cert: string;
  key: string;
  ca: string;
}

const FLAGS: TlsLabels = { cert: '--tls-cert / SE_TLS_CERT', key: '--tls-key / SE_TLS_KEY', ca: '--tls-ca / SE_TLS_CA' };

function read(label: string, path: string, problems: string[]): Buffer | null {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied (the server cannot read it)' : e.code === 'EISDIR' ? 'is a directory, not a file' : e.message;
    problems.push(`${label}: cannot read ${path}: ${why}`);
    return null;
  }
}

function certificates(label: string, path: string, pem: Buffer, problems: string[]): X509Certificate[] {
  const blocks = pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs: X509Certificate[] = [];
  for (const b of blocks) {
    try {
      certs.push(new X509Certificate(b));
    } catch (err) {
      problems.push(`${label}: ${path} holds a certificate that cannot be parsed (${(err as Error).message})`);
    }
  }
  if (!blocks.length) problems.push(`${label}: ${path} is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  return certs;
}

/** Reads and checks the files; throws ConfigError listing every problem. */
export function loadTls(paths: TlsPaths, labels: TlsLabels = FLAGS, now = Date.now()): TlsMaterial {
  const problems: string[] = [];
  const certPem = read(labels.cert, paths.cert, problems);
  const keyPem = read(labels.key, paths.key, problems);
  const caPem = paths.ca ? read(labels.ca, paths.ca, problems) : null;
  const chain = certPem ? certificates(labels.cert, paths.cert, certPem, problems) : [];
  let key: KeyObject | null = null;
  if (keyPem) {
    try {
      key = createPrivateKey(keyPem);
    } catch (err) {
      const msg = (err as Error).message;
      problems.push(`${labels.key}: ${paths.key} is not an unencrypted PEM private key (${/passphrase/i.test(msg) ? 'it is encrypted: decrypt it with `openssl pkey -in KEY -out KEY.plain`' : msg})`);
    }
  }
  if (caPem) certificates(labels.ca, paths.ca!, caPem, problems);
  const leaf = chain[0];
  if (leaf && key && !leaf.checkPrivateKey(key)) {
    problems.push(`${labels.cert} and ${labels.key} do not match: ${paths.key} is not the private key of the certificate in ${paths.cert} (${leaf.subject.replace(/\n/g, ', ')})`);
  }
  if (leaf && Date.parse(leaf.validTo) < now) problems.push(`${labels.cert}: the certificate in ${paths.cert} expired on ${leaf.validTo}`);
  if (problems.length) throw new ConfigError(problems);
  return {
    context: { cert: certPem!, key: keyPem!, ...(caPem ? { ca: caPem } : {}) },
    subject: leaf.subject.replace(/\n/g, ', '),
    validTo: leaf.validTo,
    fingerprint256: leaf.fingerprint256,
  };
}
