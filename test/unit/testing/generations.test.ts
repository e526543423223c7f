/**
 * Broker generations (src/testing/generations.ts): a lib dir's release from its kafka_2.13 jar, and
 * what follows from it: log4j 1 for 3.x, the tool classes an older release has elsewhere.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { brokerJvmArgs } from '../../../src/testing/config.js'
import {
  libDirKafkaVersion,
  loggingJvmArg,
  supportsZooKeeper,
  toolClassFor,
  toolsLoggingArg,
  usesLog4j1,
} from '../../../src/testing/generations.js'
import { JAVA_TOOLS } from '../../../src/testing/index.js'

const dirs: string[] = []
async function libDir(version: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kw-gen-'))
  dirs.push(dir)
  await writeFile(path.join(dir, `kafka_2.13-${version}.jar`), '')
  await writeFile(path.join(dir, `kafka-clients-${version}.jar`), '')
  return dir
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('broker generations', () => {
  it('reads the release of a lib dir from its kafka_2.13 jar', async () => {
    expect(libDirKafkaVersion(await libDir('3.9.1'))).toBe('3.9.1')
    expect(libDirKafkaVersion(await libDir('4.4.0'))).toBe('4.4.0')
    expect(libDirKafkaVersion(path.join(os.tmpdir(), 'kw-no-such-dir'))).toBeUndefined()
  })

  it('3.x logs through log4j 1 and has ZooKeeper mode; 4.x neither', () => {
    expect(usesLog4j1('3.9.1')).toBe(true)
    expect(usesLog4j1('2.8.2')).toBe(true)
    expect(usesLog4j1('4.0.0')).toBe(false)
    expect(supportsZooKeeper('3.9.1')).toBe(true)
    expect(supportsZooKeeper('4.4.0')).toBe(false)
    expect(loggingJvmArg(true, '/x/log4j.properties')).toBe('-Dlog4j.configuration=file:/x/log4j.properties')
    expect(loggingJvmArg(false, '/x/log4j2.properties')).toBe('-Dlog4j2.configurationFile=/x/log4j2.properties')
    const args = brokerJvmArgs({
      heapMb: 256,
      log4j2Path: '/n/log4j.properties',
      log4j1: true,
      libDir: '/l',
      configPath: '/n/s',
    })
    expect(args).toContain('-Dlog4j.configuration=file:/n/log4j.properties')
  })

  it('runs a tool from where the lib dir release has it', async () => {
    const v391 = await libDir('3.9.1')
    const v431 = await libDir('4.3.1')
    const v440 = await libDir('4.4.0')
    expect(toolClassFor(v391, JAVA_TOOLS.consoleProducer)).toBe('kafka.tools.ConsoleProducer')
    expect(toolClassFor(v431, JAVA_TOOLS.consoleProducer)).toBe(JAVA_TOOLS.consoleProducer)
    expect(toolClassFor(v391, JAVA_TOOLS.configCommand)).toBe('kafka.admin.ConfigCommand')
    expect(toolClassFor(v431, JAVA_TOOLS.configCommand)).toBe('kafka.admin.ConfigCommand')
    expect(toolClassFor(v440, JAVA_TOOLS.configCommand)).toBe('org.apache.kafka.tools.ConfigCommand')
    expect(toolClassFor(v391, JAVA_TOOLS.topicCommand)).toBe(JAVA_TOOLS.topicCommand)
    expect(await toolsLoggingArg(v391)).toMatch(/^-Dlog4j\.configuration=file:.*kafka-wire-tools-log4j-/)
    expect(await toolsLoggingArg(v440)).toMatch(/^-Dlog4j2\.configurationFile=.*kafka-wire-tools-log4j2-/)
  })
})
