/**
 * TLS material for a cluster, made with the JDK's keytool (always present where a broker
 * runs): a test CA, a broker certificate (SAN DNS:localhost, IP:127.0.0.1) signed by it, a
 * truststore, and a client certificate for the MTLS listener. PEM copies of the client's
 * certificate and key for Node are exported with openssl when it is installed (Node can also
 * use `clientP12` as `pfx`). Independent keytool runs are started in parallel.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { withFileLock } from './lock.js'
import { keytoolBinary } from './paths.js'
import { run } from './process.js'
import type { TlsMaterial } from './types.js'

const PASSWORD = 'changeit'
const VALIDITY_DAYS = '3650'

async function exec(command: string, args: string[], cwd: string): Promise<void> {
  let r: Awaited<ReturnType<typeof run>>
  try {
    r = await run(command, args, { cwd, timeoutMs: 120_000 })
  } catch (err) {
    throw new Error(`kafka-wire/testing: cannot run ${command}: ${(err as Error).message}`)
  }
  if (r.code !== 0) {
    throw new Error(`kafka-wire/testing: ${command} ${args.join(' ')} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`)
  }
}

function keytool(dir: string, ...args: string[]): Promise<void> {
  return exec(keytoolBinary(), args, dir)
}

const storeArgs = (file: string): string[] => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', PASSWORD]

/** Generate TLS material into `dir` (created if needed). */
export async function generateTlsMaterial(dir: string, options: { serverName?: string } = {}): Promise<TlsMaterial> {
  const serverName = options.serverName ?? 'localhost'
  await fs.mkdir(dir, { recursive: true })
  const kt = (...args: string[]) => keytool(dir, ...args)

  const genKey = (alias: string, file: string, dname: string, extra: string[] = []) =>
    kt(
      '-genkeypair',
      '-alias',
      alias,
      '-keyalg',
      'RSA',
      '-keysize',
      '2048',
      '-validity',
      VALIDITY_DAYS,
      '-dname',
      dname,
      ...extra,
      ...storeArgs(file),
      '-keypass',
      PASSWORD,
    )

  const ca = genKey('ca', 'ca.p12', 'CN=kafka-wire-test-ca', ['-ext', 'bc:c']).then(() =>
    kt('-exportcert', '-alias', 'ca', '-rfc', '-file', 'ca.pem', ...storeArgs('ca.p12')),
  )

  const leaf = async (alias: string, dname: string, ext: string[]) => {
    const file = `${alias}.p12`
    await genKey(alias, file, dname)
    await kt('-certreq', '-alias', alias, '-file', `${alias}.csr`, ...storeArgs(file))
    await ca
    await kt(
      '-gencert',
      '-alias',
      'ca',
      '-infile',
      `${alias}.csr`,
      '-outfile',
      `${alias}.pem`,
      '-rfc',
      '-validity',
      VALIDITY_DAYS,
      ...ext,
      ...storeArgs('ca.p12'),
    )
    await kt('-importcert', '-alias', 'ca', '-file', 'ca.pem', '-noprompt', ...storeArgs(file))
    await kt('-importcert', '-alias', alias, '-file', `${alias}.pem`, ...storeArgs(file))
  }

  const broker = leaf('broker', `CN=${serverName}`, [
    '-ext',
    `SAN=DNS:${serverName},DNS:localhost,IP:127.0.0.1`,
    '-ext',
    'eku=serverAuth,clientAuth',
  ])
  const client = leaf('client', 'CN=kafka-wire-client', ['-ext', 'eku=clientAuth'])
  const truststore = ca.then(() =>
    kt('-importcert', '-alias', 'ca', '-file', 'ca.pem', '-noprompt', ...storeArgs('truststore.p12')),
  )
  await Promise.all([ca, broker, client, truststore])

  const material: TlsMaterial = {
    caPem: path.join(dir, 'ca.pem'),
    caPemContent: await fs.readFile(path.join(dir, 'ca.pem'), 'utf8'),
    clientP12: path.join(dir, 'client.p12'),
    brokerKeystoreP12: path.join(dir, 'broker.p12'),
    truststoreP12: path.join(dir, 'truststore.p12'),
    password: PASSWORD,
    serverName,
  }
  // PEM key for Node: keytool cannot export private keys, openssl can.
  try {
    await exec(
      'openssl',
      ['pkcs12', '-in', 'client.p12', '-nocerts', '-nodes', '-passin', `pass:${PASSWORD}`, '-out', 'client-key.pem'],
      dir,
    )
    material.clientKeyPem = path.join(dir, 'client-key.pem')
    material.clientCertPem = path.join(dir, 'client.pem')
  } catch {
    // no openssl: clientP12 (pfx) still works for Node
  }
  await Promise.all(['broker.csr', 'client.csr'].map((f) => fs.rm(path.join(dir, f), { force: true })))
  return material
}

const TLS_FILES = [
  'ca.p12',
  'ca.pem',
  'broker.p12',
  'broker.pem',
  'client.p12',
  'client.pem',
  'client-key.pem',
  'truststore.p12',
]
const TLS_CACHE_MAX_AGE_MS = 365 * 24 * 3600_000

/**
 * TLS material for a cluster in `dir`: copied from a set generated once per machine in
 * `<cacheDir>/tls` (keytool needs ~5 s of JVM runs; the certificates are valid for 10 years
 * and regenerated after one), or generated fresh when `cacheDir` is undefined.
 */
export async function clusterTlsMaterial(dir: string, cacheDir: string | undefined): Promise<TlsMaterial> {
  if (cacheDir === undefined) return generateTlsMaterial(dir)
  const cached = path.join(cacheDir, 'tls')
  const marker = path.join(cached, '.complete')
  const fresh = async (): Promise<boolean> => {
    const st = await fs.stat(marker).catch(() => undefined)
    return st !== undefined && Date.now() - st.mtimeMs < TLS_CACHE_MAX_AGE_MS
  }
  if (!(await fresh())) {
    await fs.mkdir(cacheDir, { recursive: true })
    await withFileLock(`${cached}.lock`, async () => {
      if (await fresh()) return
      const staging = `${cached}.partial-${process.pid}`
      await fs.rm(staging, { recursive: true, force: true })
      await generateTlsMaterial(staging)
      await fs.writeFile(path.join(staging, '.complete'), new Date().toISOString())
      await fs.rm(cached, { recursive: true, force: true })
      await fs.rename(staging, cached)
    })
  }
  await fs.mkdir(dir, { recursive: true })
  const present: string[] = []
  for (const f of TLS_FILES) {
    try {
      await fs.copyFile(path.join(cached, f), path.join(dir, f))
      present.push(f)
    } catch {
      // client-key.pem is absent without openssl
    }
  }
  const material: TlsMaterial = {
    caPem: path.join(dir, 'ca.pem'),
    caPemContent: await fs.readFile(path.join(dir, 'ca.pem'), 'utf8'),
    clientP12: path.join(dir, 'client.p12'),
    brokerKeystoreP12: path.join(dir, 'broker.p12'),
    truststoreP12: path.join(dir, 'truststore.p12'),
    password: PASSWORD,
    serverName: 'localhost',
  }
  if (present.includes('client-key.pem')) {
    material.clientKeyPem = path.join(dir, 'client-key.pem')
    material.clientCertPem = path.join(dir, 'client.pem')
  }
  return material
}
