// The same applicability as a catalog, written as OVAL 5.11 definitions for `oscap oval eval`,
// in the shape Debian's own OVAL feed uses: dpkginfo objects shared per package name, states
// shared per fixed version, an inventory definition per product that every patch extends.
//
// One definition per patch: true exactly when the patch is `missing` before supersedence, i.e.
// product present AND (OR over its packages: installed AND evr < fixed). `installed` and
// `not-applicable` are both false. Supersedence has no OVAL form (a definition cannot ask for
// another definition's result being true in a way that masks its own), so the OVAL side stops at
// missing / not-missing and the `superseded` step is ours alone: our work is a superset of theirs.
import { FormatError } from '../../../protocol/errors.ts'
import type { Catalog, Patch, Product } from '../../../protocol/catalog-types.ts'

export interface OvalDocument {
  xml: string
  /** Patch id of every patch definition, by OVAL definition id (inventory definitions are not in it). */
  patchIdByDefinition: Map<string, string>
}

const NS = 'org.patchmesh.bench'
const OS_RELEASE = '/etc/os-release'

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** dpkginfo reports evr as epoch:version-release with epoch 0 spelled out; states say the same. */
const debianEvr = (version: string): string => (/^\d+:/.test(version) ? version : `0:${version}`)

/** os-release values may be quoted; the regex takes the inside either way. */
const osReleasePattern = (key: string): string => `^${key}="?([^"\\n]*)"?\\s*$`

/** Writes one OVAL definition per patch of a deb-family catalog (see the file comment for what it evaluates). */
export function writeOvalDefinitions (catalog: Catalog, timestamp = catalog.published.replace(/Z$/, '')): OvalDocument {
  const definitions: string[] = []
  const tests: string[] = []
  const objects: string[] = []
  const states: string[] = []
  const ids = { def: 0, tst: 0, obj: 0, ste: 0 }
  const next = (kind: keyof typeof ids): string => `oval:${NS}:${kind}:${++ids[kind]}`

  // os-release lines as textfilecontent54 subexpressions: ID and VERSION_ID of each product's Detect.
  const osObject = new Map<string, string>()
  const osTest = (key: string, value: string): string => {
    let object = osObject.get(key)
    if (object == null) {
      object = next('obj')
      osObject.set(key, object)
      objects.push(`<ind-def:textfilecontent54_object id="${object}" version="1"><ind-def:filepath>${OS_RELEASE}</ind-def:filepath><ind-def:pattern operation="pattern match">${escapeXml(osReleasePattern(key))}</ind-def:pattern><ind-def:instance datatype="int">1</ind-def:instance></ind-def:textfilecontent54_object>`)
    }
    const state = next('ste')
    states.push(`<ind-def:textfilecontent54_state id="${state}" version="1"><ind-def:subexpression operation="equals">${escapeXml(value)}</ind-def:subexpression></ind-def:textfilecontent54_state>`)
    const test = next('tst')
    tests.push(`<ind-def:textfilecontent54_test id="${test}" version="1" check="all" check_existence="at_least_one_exists" comment="${key} is ${escapeXml(value)}"><ind-def:object object_ref="${object}"/><ind-def:state state_ref="${state}"/></ind-def:textfilecontent54_test>`)
    return test
  }

  const productDefinition = new Map<string, string>()
  for (const product of catalog.products) productDefinition.set(product.id, inventoryDefinition(product, next('def'), osTest, definitions))

  const objectOf = new Map<string, string>()
  const stateOf = new Map<string, string>()
  const testOf = new Map<string, string>()
  const dpkgTest = (name: string, fixed: string): string => {
    const key = `${name}\u0000${fixed}`
    let test = testOf.get(key)
    if (test != null) return test
    let object = objectOf.get(name)
    if (object == null) {
      object = next('obj')
      objectOf.set(name, object)
      objects.push(`<linux-def:dpkginfo_object id="${object}" version="1"><linux-def:name>${escapeXml(name)}</linux-def:name></linux-def:dpkginfo_object>`)
    }
    const evr = debianEvr(fixed)
    let state = stateOf.get(evr)
    if (state == null) {
      state = next('ste')
      stateOf.set(evr, state)
      states.push(`<linux-def:dpkginfo_state id="${state}" version="1"><linux-def:evr datatype="debian_evr_string" operation="less than">${escapeXml(evr)}</linux-def:evr></linux-def:dpkginfo_state>`)
    }
    test = next('tst')
    testOf.set(key, test)
    // "at least one": DESIGN counts a patch missing when any installed copy is below fixed.
    tests.push(`<linux-def:dpkginfo_test id="${test}" version="1" check="at least one" check_existence="at_least_one_exists" comment="${escapeXml(name)} is earlier than ${escapeXml(fixed)}"><linux-def:object object_ref="${object}"/><linux-def:state state_ref="${state}"/></linux-def:dpkginfo_test>`)
    return test
  }

  const bulletinOf = new Map(catalog.bulletins.map(b => [b.id, b]))
  const productOf = new Map(catalog.products.map(p => [p.id, p]))
  const patchIdByDefinition = new Map<string, string>()
  for (const patch of catalog.patches) {
    const product = productOf.get(patch.productId)
    if (product == null || product.family !== 'deb') throw new FormatError('ERR_SCHEMA', `OVAL dpkginfo covers only deb-family products, not product "${patch.productId}"`, { element: `Patch id="${patch.id}"` })
    const id = next('def')
    patchIdByDefinition.set(id, patch.id)
    const bulletin = bulletinOf.get(patch.bulletinId)
    const references = [`<reference source="patchmesh" ref_id="${escapeXml(patch.id)}"/>`, ...(bulletin?.cves ?? []).map(cve => `<reference source="CVE" ref_id="${cve}" ref_url="https://security-tracker.debian.org/tracker/${cve}"/>`)]
    definitions.push(`<definition id="${id}" version="1" class="patch"><metadata><title>${escapeXml(`${patch.id}: ${bulletin?.title ?? ''}`)}</title>` +
      `<affected family="unix"><platform>${escapeXml(product.name)}</platform></affected>${references.join('')}` +
      `<description>${escapeXml(`${bulletin?.id ?? patch.bulletinId} (${bulletin?.severity ?? 'unspecified'})`)}</description></metadata>` +
      `<criteria operator="AND"><extend_definition definition_ref="${productDefinition.get(product.id) as string}" comment="${escapeXml(product.name)} is installed"/>` +
      `<criteria operator="OR">${packageCriteria(patch, dpkgTest)}</criteria></criteria></definition>`)
  }

  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"',
    ' xmlns:ind-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">\n',
    `<generator><oval:product_name>patchmesh scan benchmark</oval:product_name><oval:schema_version>5.11.1</oval:schema_version><oval:timestamp>${timestamp}</oval:timestamp></generator>\n`,
    '<definitions>\n', definitions.join('\n'), '\n</definitions>\n<tests>\n', tests.join('\n'), '\n</tests>\n<objects>\n', objects.join('\n'),
    '\n</objects>\n<states>\n', states.join('\n'), '\n</states>\n</oval_definitions>\n'
  ].join('')
  return { xml, patchIdByDefinition }
}

function packageCriteria (patch: Patch, dpkgTest: (name: string, fixed: string) => string): string {
  return patch.packages.map(p => `<criterion test_ref="${dpkgTest(p.name, p.fixed)}" comment="${escapeXml(p.name)} is earlier than ${escapeXml(p.fixed)}"/>`).join('')
}

/** Class "inventory" definition that is true where the product is: any of its Detect pairs matches os-release. */
function inventoryDefinition (product: Product, id: string, osTest: (key: string, value: string) => string, definitions: string[]): string {
  const detects = product.detect.map(d => `<criteria operator="AND"><criterion test_ref="${osTest('ID', d.os)}"/><criterion test_ref="${osTest('VERSION_ID', d.versionId)}"/></criteria>`)
  definitions.push(`<definition id="${id}" version="1" class="inventory"><metadata><title>${escapeXml(product.name)} is installed</title>` +
    `<affected family="unix"><platform>${escapeXml(product.name)}</platform></affected><description>os-release matches a Detect of product ${escapeXml(product.id)}</description></metadata>` +
    `<criteria operator="OR">${detects.join('')}</criteria></definition>`)
  return id
}
