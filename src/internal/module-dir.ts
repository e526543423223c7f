/**
 * The directory of the compiled kafka-wire module, for locating files shipped with the
 * package (kafka/pom.xml, worker scripts). The ESM build uses import.meta.url; the
 * CommonJS build replaces this file with one that uses __dirname (scripts/build.mjs). In the
 * bundles (dist/bundle) this module is a chunk of its own under chunks/, one level below the
 * bundle's root as it is below dist/esm; rolldown turns import.meta.url into __filename's URL
 * for the CommonJS bundle.
 */
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

// @ts-ignore -- import.meta exists in the ESM build; the CJS build swaps this module out.
export const moduleDir: string = dirname(fileURLToPath(import.meta.url))
