import { allowAttributes, attributeValue, childElements, expectEmpty, expectRoot, optionalAttribute, readXml, requiredAttribute } from './xml.ts'
import type { InstalledPackage, Inventory } from './inventory-types.ts'

export const INVENTORY_NAMESPACE = 'urn:patchmesh:inventory:1'
/** Default size limit: a large server lists a few thousand packages, well under a megabyte. */
export const MAX_INVENTORY_BYTES = 64 * 1024 * 1024
/** Inventory > Package is the deepest the format goes. */
const INVENTORY_MAX_DEPTH = 2

const INVENTORY_ATTRIBUTES = ['xmlns', 'host', 'os', 'versionId']
const INVENTORY_CHILDREN = ['Package', 'Hotfix']
const PACKAGE_ATTRIBUTES = ['name', 'version', 'arch']
const HOTFIX_ATTRIBUTES = ['id']

export interface ParseInventoryOptions {
  /** File name, for error messages. */
  source?: string
  /** @default MAX_INVENTORY_BYTES */
  maxBytes?: number
}

/**
 * Parses an inventory document (DESIGN, "Formats: Inventory"); throws FormatError.
 * Repeated packages are kept: rpm installs several versions of kernel-style packages side by side.
 */
export function parseInventory (input: Uint8Array | string, options: ParseInventoryOptions = {}): Inventory {
  const root = readXml(input, { maxBytes: options.maxBytes ?? MAX_INVENTORY_BYTES, maxDepth: INVENTORY_MAX_DEPTH, source: options.source })
  expectRoot(root, 'Inventory', INVENTORY_NAMESPACE)
  allowAttributes(root, INVENTORY_ATTRIBUTES)
  const inventory: Inventory = {
    host: requiredAttribute(root, 'host', 'the computer name'),
    os: requiredAttribute(root, 'os', 'an os-release ID such as debian'),
    versionId: requiredAttribute(root, 'versionId', 'an os-release VERSION_ID such as 12'),
    packages: [],
    hotfixes: []
  }
  for (const child of childElements(root, INVENTORY_CHILDREN)) {
    expectEmpty(child)
    if (child.name === 'Package') {
      allowAttributes(child, PACKAGE_ATTRIBUTES)
      const installed: InstalledPackage = {
        name: requiredAttribute(child, 'name', 'a package name'),
        version: requiredAttribute(child, 'version', 'the installed version')
      }
      const arch = optionalAttribute(child, 'arch', 'an architecture such as amd64')
      if (arch !== undefined) installed.arch = arch
      inventory.packages.push(installed)
    } else {
      allowAttributes(child, HOTFIX_ATTRIBUTES)
      inventory.hotfixes.push(requiredAttribute(child, 'id', 'a hotfix id such as KB5034441'))
    }
  }
  return inventory
}

/**
 * Writes an inventory as an inventory document that parseInventory reads back to an equal value.
 * Throws FormatError (ERR_SCHEMA) for a value no such document can carry: empty, or holding
 * characters XML forbids.
 */
export function serializeInventory (inventory: Inventory): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Inventory xmlns="${INVENTORY_NAMESPACE}" host="${attributeValue('Inventory', 'host', inventory.host)}" os="${attributeValue('Inventory', 'os', inventory.os)}" versionId="${attributeValue('Inventory', 'versionId', inventory.versionId)}">`
  ]
  for (const installed of inventory.packages) {
    const arch = installed.arch === undefined ? '' : ` arch="${attributeValue('Package', 'arch', installed.arch)}"`
    lines.push(`  <Package name="${attributeValue('Package', 'name', installed.name)}" version="${attributeValue('Package', 'version', installed.version)}"${arch}/>`)
  }
  for (const hotfix of inventory.hotfixes) {
    lines.push(`  <Hotfix id="${attributeValue('Hotfix', 'id', hotfix)}"/>`)
  }
  lines.push('</Inventory>', '')
  return lines.join('\n')
}
