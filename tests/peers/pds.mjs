// A real Bluesky PDS for the network tests, with an in-memory PLC directory beside it.
//
// Both listen on 127.0.0.1 only, on free ports. When they answer, one JSON line goes to standard
// output: {"plc": URL, "pds": URL}. SIGTERM, SIGINT or standard input closing
// (the test process gone) stops both and removes the PDS's SQLite files and blobs.
//
// Set up the way atproto's own dev-env sets up TestPlc and TestPds (packages/dev-env), with the
// PDS's environment settings rather than its internals: devMode, no invite codes, handles under .test.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

const HOST = '127.0.0.1'

// The servers log with pino when LOG_ENABLED is set; standard output is kept for the ready line.
process.env.LOG_DESTINATION ??= '/dev/stderr'
const plcServer = await import('@did-plc/server')
const pds = await import('@atproto/pds')

// Express's app.listen(port) listens on every interface: give it the loopback address.
function listenOnLoopback(app) {
  const listen = app.listen.bind(app)
  app.listen = (port, ...rest) => listen(port, HOST, ...rest)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, HOST, () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

const dataDirectory = mkdtempSync(path.join(tmpdir(), 'scheduler-pds-'))
let plc
let server
let stopping = false

async function stop(code) {
  if (stopping) return
  stopping = true
  try {
    await server?.destroy()
    await plc?.destroy()
  } catch (error) {
    console.error('stopping the PDS:', error)
    code = code || 1
  }
  rmSync(dataDirectory, { recursive: true, force: true })
  process.exit(code)
}

process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))
process.stdin.on('end', () => stop(0))
process.stdin.on('error', () => stop(0))
process.stdin.resume()

try {
  plc = plcServer.PlcServer.create({ db: plcServer.Database.mock(), port: 0 })
  listenOnLoopback(plc.app)
  const plcUrl = `http://${HOST}:${(await plc.start()).address().port}`

  // The PDS writes its own URL into every account's DID document, so its port is chosen first.
  const port = await freePort()
  const env = {
    port,
    hostname: 'localhost',
    devMode: true,
    version: '0.4.217',
    inviteRequired: false,
    serviceHandleDomains: ['.test'],
    didPlcUrl: plcUrl,
    dataDirectory,
    blobstoreDiskLocation: path.join(dataDirectory, 'blobs'),
    rateLimitsEnabled: false,
    crawlers: [],
    jwtSecret: randomBytes(16).toString('hex'),
    adminPassword: randomBytes(16).toString('hex'),
    // A secp256k1 private key is 32 random bytes (below the curve order, all but certainly).
    plcRotationKeyK256PrivateKeyHex: randomBytes(32).toString('hex'),
  }
  const cfg = pds.envToCfg(env)
  cfg.service.publicUrl = `http://${HOST}:${port}`
  server = await pds.PDS.create(cfg, pds.envToSecrets(env))
  listenOnLoopback(server.app)
  await server.start()

  process.stdout.write(JSON.stringify({ plc: plcUrl, pds: cfg.service.publicUrl }) + '\n')
} catch (error) {
  console.error('starting the PDS:', error)
  await stop(1)
}
