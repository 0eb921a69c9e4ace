// A real Bluesky PDS plus an in-memory PLC directory in one node process, on loopback only.
// Usage: node launch.mjs PDS_PORT PLC_PORT DATA_DIR   (prints READY when both listen)
// Used by somevahti/connectors/pds.py for the tests and the demo; handles end in ".test".
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { PDS, envToCfg, envToSecrets } from '@atproto/pds'
import plc from '@did-plc/server'

const [pdsPort, plcPort, dir] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]]
if (!pdsPort || !plcPort || !dir) {
  console.error('usage: node launch.mjs PDS_PORT PLC_PORT DATA_DIR')
  process.exit(2)
}

// Wrap, don't replace, app.listen: xrpc-server patches it to attach the firehose's websocket
// upgrade handler; we only add the host so nothing listens beyond this machine.
const loopback = (app) => {
  const listen = app.listen
  app.listen = (port, ...rest) => listen.call(app, port, '127.0.0.1', ...rest)
}

const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort })
loopback(plcServer.app)
await plcServer.start()

fs.mkdirSync(path.join(dir, 'blobs'), { recursive: true })
const env = {
  devMode: true,
  hostname: 'localhost',
  port: pdsPort,
  dataDirectory: dir,
  blobstoreDiskLocation: path.join(dir, 'blobs'),
  didPlcUrl: `http://localhost:${plcPort}`,
  jwtSecret: process.env.PDS_JWT_SECRET || crypto.randomBytes(16).toString('hex'),
  adminPassword: process.env.PDS_ADMIN_PASSWORD || crypto.randomBytes(16).toString('hex'),
  inviteRequired: false,
  plcRotationKeyK256PrivateKeyHex: crypto.randomBytes(32).toString('hex'),
  serviceHandleDomains: ['.test'],
  crawlers: [], // no relay to notify: nothing leaves this machine
}
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
loopback(pds.app)
await pds.start()
console.log('READY')

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await pds.destroy()
  await plcServer.destroy()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
