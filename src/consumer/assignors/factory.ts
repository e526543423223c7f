/**
 * Turning the `partitionAssignmentStrategy` option into assignor instances, and choosing the
 * rebalance protocol they imply (Java's ConsumerPartitionAssignor.getAssignorInstances and the
 * protocol selection in ConsumerCoordinator). Called once when a Consumer is created, so a bad
 * option fails at construction, naming the option.
 */
import { ConfigError } from '../../errors.js'
import { CooperativeStickyAssignor } from './cooperative-sticky.js'
import { RangeAssignor } from './range.js'
import { RoundRobinAssignor } from './round-robin.js'
import { StickyAssignor } from './sticky.js'
import type { ConsumerPartitionAssignor, RebalanceProtocol } from './types.js'

/** A built-in assignor's name, its Java class name, or an assignor object. */
export type AssignorSpec = string | ConsumerPartitionAssignor

/** Java 3.x/4.x's default: range (which every member supports), upgradable to cooperative-sticky. */
export const DEFAULT_PARTITION_ASSIGNMENT_STRATEGY: readonly string[] = ['range', 'cooperative-sticky']

const OPTION = 'partitionAssignmentStrategy'

const BUILT_IN: Readonly<Record<string, () => ConsumerPartitionAssignor>> = {
  range: () => new RangeAssignor(),
  roundrobin: () => new RoundRobinAssignor(),
  sticky: () => new StickyAssignor(),
  'cooperative-sticky': () => new CooperativeStickyAssignor(),
}

/** Java class names, so a `partition.assignment.strategy` copied from a Java config works unchanged. */
const JAVA_CLASS_NAMES: Readonly<Record<string, string>> = {
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
  'org.apache.kafka.clients.consumer.StickyAssignor': 'sticky',
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky',
}

/**
 * One fresh instance per entry, in preference order (the order of the JoinGroup protocols). A
 * string may also be a comma-separated list, as in Java configs. Throws ConfigError for an empty
 * strategy, an unknown name, an object that is not an assignor, or two assignors with one name.
 */
export function createAssignors(
  strategy: AssignorSpec | readonly AssignorSpec[] = DEFAULT_PARTITION_ASSIGNMENT_STRATEGY,
): ConsumerPartitionAssignor[] {
  const specs = (Array.isArray(strategy) ? strategy : [strategy]) as readonly AssignorSpec[]
  const assignors: ConsumerPartitionAssignor[] = []
  for (const spec of specs) {
    if (typeof spec === 'string') {
      for (const name of spec.split(',').map((s) => s.trim())) {
        if (name !== '') assignors.push(builtIn(name))
      }
    } else {
      assignors.push(validateCustom(spec))
    }
  }
  if (assignors.length === 0) throw new ConfigError(OPTION, 'at least one assignor is required')
  const names = new Set<string>()
  for (const { name } of assignors) {
    if (names.has(name)) throw new ConfigError(OPTION, `the assignor name '${name}' is used more than once`)
    names.add(name)
  }
  return assignors
}

/**
 * The rebalance protocol for a member with these assignors: the most advanced one that every
 * assignor supports (COOPERATIVE over EAGER), because the group may pick any of them. So the
 * default ['range', 'cooperative-sticky'] is EAGER, and ['cooperative-sticky'] is COOPERATIVE.
 */
export function selectRebalanceProtocol(assignors: readonly ConsumerPartitionAssignor[]): RebalanceProtocol {
  if (assignors.length === 0) throw new ConfigError(OPTION, 'at least one assignor is required')
  const common = (['COOPERATIVE', 'EAGER'] as const).filter((protocol) =>
    assignors.every((assignor) => assignor.supportedProtocols.includes(protocol)),
  )
  if (common.length === 0) {
    const names = assignors.map((a) => a.name).join(', ')
    throw new ConfigError(OPTION, `the assignors [${names}] have no rebalance protocol in common`)
  }
  return common[0]!
}

function builtIn(name: string): ConsumerPartitionAssignor {
  const canonical = JAVA_CLASS_NAMES[name] ?? name
  if (!Object.hasOwn(BUILT_IN, canonical)) {
    throw new ConfigError(
      OPTION,
      `unknown assignor '${name}' (expected ${Object.keys(BUILT_IN).join(', ')}, or an assignor object)`,
    )
  }
  return BUILT_IN[canonical]!()
}

function validateCustom(assignor: ConsumerPartitionAssignor): ConsumerPartitionAssignor {
  const candidate = assignor as Partial<ConsumerPartitionAssignor> | null
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.name !== 'string' ||
    candidate.name === '' ||
    typeof candidate.assign !== 'function' ||
    !Array.isArray(candidate.supportedProtocols) ||
    candidate.supportedProtocols.length === 0 ||
    !candidate.supportedProtocols.every((p) => p === 'EAGER' || p === 'COOPERATIVE')
  ) {
    throw new ConfigError(
      OPTION,
      'a custom assignor needs a non-empty name, an assign() method and supportedProtocols (EAGER and/or COOPERATIVE)',
    )
  }
  return assignor
}
