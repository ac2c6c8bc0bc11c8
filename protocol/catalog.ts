import {
  allowAttributes, childElements, choiceAttribute, dateAttribute, expectEmpty, expectRoot, integerAttribute,
  optionalAttribute, optionalDateAttribute, readXml, requiredAttribute, schemaError, textContent
} from './xml.ts'
import type { XmlElement } from './xml.ts'
import { checkCatalogReferences } from './catalog-references.ts'
import type { Bulletin, Catalog, Family, PackageFix, Patch, Product, RebootBehaviour, Severity } from './catalog-types.ts'

export const CATALOG_NAMESPACE = 'urn:patchmesh:catalog:1'
/** Default size limit: the 100,000-patch benchmark catalog is about 36 MB, so this leaves room for growth. */
export const MAX_CATALOG_BYTES = 256 * 1024 * 1024
/** Catalog > Bulletin > Patch > Package is the deepest the format goes. */
const CATALOG_MAX_DEPTH = 4

export const FAMILIES: readonly Family[] = ['deb', 'rpm', 'windows']
export const SEVERITIES: readonly Severity[] = ['critical', 'important', 'moderate', 'low', 'unspecified']
export const REBOOT_BEHAVIOURS: readonly RebootBehaviour[] = ['never', 'may', 'always']
export const INSTALLER_KINDS: readonly string[] = ['deb', 'rpm', 'msi', 'msu', 'exe', 'sh']

const CVE_ID = /^CVE-\d{4}-\d{4,}$/

// Element names and the attributes each may carry; constants so no array is built per element.
const CATALOG_ATTRIBUTES = ['xmlns', 'id', 'version', 'published', 'expires']
const CATALOG_CHILDREN = ['Product', 'Bulletin']
const PRODUCT_ATTRIBUTES = ['id', 'name', 'family']
const PRODUCT_CHILDREN = ['Detect']
const DETECT_ATTRIBUTES = ['os', 'versionId']
const BULLETIN_ATTRIBUTES = ['id', 'title', 'severity', 'released']
const BULLETIN_CHILDREN = ['Cve', 'Patch']
const PATCH_ATTRIBUTES = ['id', 'product', 'kind', 'reboot', 'supersedes']
const PATCH_CHILDREN = ['Package', 'Hotfix']
const PACKAGE_ATTRIBUTES = ['name', 'fixed']
const HOTFIX_ATTRIBUTES = ['id']
const NO_ATTRIBUTES: string[] = []

export interface ParseCatalogOptions {
  /** File name or URL, for error messages. */
  source?: string
  /** @default MAX_CATALOG_BYTES */
  maxBytes?: number
}

/** Parses and validates a catalog document (DESIGN, "Formats: Catalog"); throws FormatError on anything it would not trust. */
export function parseCatalog (input: Uint8Array | string, options: ParseCatalogOptions = {}): Catalog {
  const root = readXml(input, { maxBytes: options.maxBytes ?? MAX_CATALOG_BYTES, maxDepth: CATALOG_MAX_DEPTH, source: options.source })
  expectRoot(root, 'Catalog', CATALOG_NAMESPACE)
  allowAttributes(root, CATALOG_ATTRIBUTES)
  const id = requiredAttribute(root, 'id')
  const version = integerAttribute(root, 'version', 1)
  const published = dateAttribute(root, 'published')
  const expires = optionalDateAttribute(root, 'expires')
  if (expires !== undefined && Date.parse(expires) <= Date.parse(published)) {
    throw schemaError(root, `attribute "expires" is "${expires}"; expected a time after published (${published})`)
  }

  // Where each product, bulletin and patch was read, as element numbers: kept for error messages only.
  const products: Product[] = []
  const productElements: number[] = []
  const bulletins: Bulletin[] = []
  const bulletinElements: number[] = []
  const patches: Patch[] = []
  const patchElements: number[] = []
  for (const child of childElements(root, CATALOG_CHILDREN)) {
    if (child.name === 'Product') {
      products.push(readProduct(child))
      productElements.push(child.index)
    } else {
      bulletins.push(readBulletin(child, patches, patchElements))
      bulletinElements.push(child.index)
    }
  }
  checkCatalogReferences(root.document, { products, productElements, bulletins, bulletinElements, patches, patchElements })

  const catalog: Catalog = { id, version, published, products, bulletins, patches }
  if (expires !== undefined) catalog.expires = expires
  return catalog
}

function readProduct (element: XmlElement): Product {
  allowAttributes(element, PRODUCT_ATTRIBUTES)
  const product: Product = {
    id: requiredAttribute(element, 'id'),
    name: requiredAttribute(element, 'name'),
    family: choiceAttribute(element, 'family', FAMILIES),
    detect: []
  }
  for (const detect of childElements(element, PRODUCT_CHILDREN)) {
    allowAttributes(detect, DETECT_ATTRIBUTES)
    expectEmpty(detect)
    product.detect.push({
      os: requiredAttribute(detect, 'os', 'an os-release ID such as debian'),
      versionId: requiredAttribute(detect, 'versionId', 'an os-release VERSION_ID such as 12')
    })
  }
  if (product.detect.length === 0) throw schemaError(element, 'no <Detect> children; expected at least one <Detect os versionId/>')
  return product
}

function readBulletin (element: XmlElement, patches: Patch[], patchElements: number[]): Bulletin {
  allowAttributes(element, BULLETIN_ATTRIBUTES)
  const id = requiredAttribute(element, 'id')
  const title = requiredAttribute(element, 'title')
  const severity = choiceAttribute(element, 'severity', SEVERITIES)
  const released = dateAttribute(element, 'released')
  const children = childElements(element, BULLETIN_CHILDREN)
  const cveCount = count(children, 'Cve')
  const cves = new Array<string>(cveCount)
  const patchIds = new Array<string>(children.length - cveCount)
  let c = 0
  let p = 0
  for (const child of children) {
    if (child.name === 'Cve') {
      allowAttributes(child, NO_ATTRIBUTES)
      const cve = textContent(child, 'a CVE id such as CVE-2024-3094')
      if (!CVE_ID.test(cve)) throw schemaError(child, `"${cve}" is not a CVE id; expected one such as CVE-2024-3094`)
      for (let k = 0; k < c; k++) if (cves[k] === cve) throw schemaError(child, `${cve} listed twice in bulletin "${id}"`, 'ERR_DUPLICATE_ID')
      cves[c++] = cve
    } else {
      const patch = readPatch(child, id)
      patchIds[p++] = patch.id
      patches.push(patch)
      patchElements.push(child.index)
    }
  }
  if (p === 0) throw schemaError(element, 'no <Patch> children; expected at least one')
  return { id, title, severity, released, cves, patchIds }
}

function readPatch (element: XmlElement, bulletinId: string): Patch {
  allowAttributes(element, PATCH_ATTRIBUTES)
  const id = requiredAttribute(element, 'id')
  const productId = requiredAttribute(element, 'product', 'the id of a <Product>')
  const kind = choiceAttribute(element, 'kind', INSTALLER_KINDS)
  const reboot = choiceAttribute(element, 'reboot', REBOOT_BEHAVIOURS)
  const supersedes: string[] = []
  const listed = optionalAttribute(element, 'supersedes', 'space-separated patch ids')
  if (listed !== undefined) {
    for (const superseded of listed.split(' ')) {
      if (superseded === '') continue
      if (supersedes.includes(superseded)) throw schemaError(element, `patch "${superseded}" listed twice in supersedes`, 'ERR_DUPLICATE_ID')
      supersedes.push(superseded)
    }
  }
  const children = childElements(element, PATCH_CHILDREN)
  const packageCount = count(children, 'Package')
  const packages = new Array<PackageFix>(packageCount)
  const hotfixes = new Array<string>(children.length - packageCount)
  let p = 0
  let h = 0
  for (const child of children) {
    expectEmpty(child)
    if (child.name === 'Package') {
      allowAttributes(child, PACKAGE_ATTRIBUTES)
      const name = requiredAttribute(child, 'name', 'a package name')
      const fixed = requiredAttribute(child, 'fixed', 'the first fixed version')
      for (let k = 0; k < p; k++) if (packages[k]?.name === name) throw schemaError(child, `package "${name}" listed twice in patch "${id}"`, 'ERR_DUPLICATE_ID')
      packages[p++] = { name, fixed }
    } else {
      allowAttributes(child, HOTFIX_ATTRIBUTES)
      const hotfix = requiredAttribute(child, 'id', 'a hotfix id such as KB5034441')
      for (let k = 0; k < h; k++) if (hotfixes[k] === hotfix) throw schemaError(child, `hotfix "${hotfix}" listed twice in patch "${id}"`, 'ERR_DUPLICATE_ID')
      hotfixes[h++] = hotfix
    }
  }
  return { id, bulletinId, productId, kind, reboot, supersedes, packages, hotfixes }
}

/**
 * How many of `elements` are named `name`. Lists are allocated at their exact size from it: an array
 * grown by push keeps room for 17 entries, and for the hundreds of thousands of lists a catalog holds
 * that spare room is most of what garbage collection has to copy.
 */
function count (elements: XmlElement[], name: string): number {
  let n = 0
  for (const element of elements) if (element.name === name) n++
  return n
}
