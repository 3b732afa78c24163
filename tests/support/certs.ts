// A test CA and certificates made with the real `openssl` command, in a temp dir: a server
// certificate for 127.0.0.1/localhost, and client certificates whose CN names a device.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  /** CA certificate (PEM path) */
  ca: string;
  /** issues a certificate signed by this CA; returns the PEM paths */
  issue(name: string, cn: string, kind: 'server' | 'client'): { cert: string; key: string };
  remove(): void;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export function makeTestCa(label = 'Smart Estate Test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'se-ca-'));
  // EC P-256: quick to generate, what a site's CA issues today
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${label}`], dir);
  let serial = 1;
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    issue(name, cn, kind) {
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
      writeFileSync(
        join(dir, `${name}.ext`),
        kind === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n',
      );
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial++), '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`], dir);
      return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** SHA-256 of the certificate's public key (base64): what Chromium's --ignore-certificate-errors-spki-list takes. */
export function spkiHash(certPath: string): string {
  const der = new X509Certificate(readFileSync(certPath)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

export function fingerprint(certPath: string): string {
  return new X509Certificate(readFileSync(certPath)).fingerprint256;
}
