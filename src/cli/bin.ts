#!/usr/bin/env node
/** The package's `kafka-wire` executable. */
import { main } from './main.js'

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`kafka-wire: ${String(err)}\n`)
    process.exitCode = 1
  },
)
