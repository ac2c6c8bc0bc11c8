import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'
import { create as createDigest } from 'multiformats/hashes/digest'
import { MAX_PACKAGE_MANIFEST_BYTES, PACKAGE_NAMESPACE, parsePackageManifest, serializePackageManifest } from '../../protocol/package-manifest.ts'
import { blobIdFor, sampleManifest } from '../helpers/admin-documents.ts'
import { expectFormatError } from '../helpers/format-error.ts'
import type { FormatError, FormatErrorCode } from '../../protocol/errors.ts'
import type { ManifestPatch, PackageManifest } from '../../protocol/package-manifest-types.ts'

const SAMPLE = serializePackageManifest(sampleManifest())
const OPENSSL_FILE = 'file="openssl_3.0.13-1_amd64.deb"'
const OPENSSL_BLOB = `blob="${blobIdFor('openssl')}"`

/** The sample manifest's text with `from` (which must occur) replaced by `to`. */
function variant (from: string, to: string): string {
  assert.ok(SAMPLE.includes(from), `sample holds ${from}`)
  return SAMPLE.replace(from, to)
}

function refuses (text: string | Uint8Array, code: FormatErrorCode, pattern?: RegExp): FormatError {
  const error = expectFormatError(() => parsePackageManifest(text, { source: 'manifest.xml' }), code)
  assert.match(error.message, /^manifest\.xml/)
  if (pattern !== undefined) assert.match(error.message, pattern)
  return error
}

function manifestWithPatch (patch: Partial<ManifestPatch>): PackageManifest {
  const sample = sampleManifest()
  return { ...sample, patches: [{ ...(sample.patches[0] as ManifestPatch), ...patch }] }
}

describe('parsePackageManifest: valid manifests', () => {
  it('round-trips serialize then parse to the same manifest', () => {
    assert.deepEqual(parsePackageManifest(SAMPLE), sampleManifest())
  })

  it('serializes deterministically: reading and writing again gives the same bytes', () => {
    assert.equal(serializePackageManifest(parsePackageManifest(SAMPLE)), SAMPLE)
    assert.ok(SAMPLE.startsWith(`<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="${PACKAGE_NAMESPACE}" mesh="acme" name="november-security" version="2"`))
  })

  it('round-trips a minimal manifest without target, expiry, window, reboot codes or retractions', () => {
    const minimal: PackageManifest = {
      ...sampleManifest(),
      target: undefined,
      expires: undefined,
      deployment: { available: '2026-11-25', deadline: '2026-11-25', rebootServers: true },
      retracted: []
    }
    delete minimal.target
    delete minimal.expires
    const text = serializePackageManifest(minimal)
    assert.doesNotMatch(text, /<Target|expires=|window=|<Retracted/)
    assert.deepEqual(parsePackageManifest(text), minimal)
  })

  it('reads a retraction: a newer version with no patches and the retracted ids', () => {
    const retraction = sampleManifest({ version: 3, patches: [], retracted: ['P-OPENSSL', 'KB5034441'] })
    assert.deepEqual(parsePackageManifest(serializePackageManifest(retraction)), retraction)
  })

  it('keeps the patches in document order, which is the install order', () => {
    assert.deepEqual(parsePackageManifest(SAMPLE).patches.map(patch => patch.id), ['P-OPENSSL', 'KB5034441'])
  })

  it('accepts a command with a quoted word holding spaces', () => {
    const manifest = manifestWithPatch({ kind: 'exe', command: '{file} /S "/D=C:\\Program Files\\App"' })
    assert.deepEqual(parsePackageManifest(serializePackageManifest(manifest)), manifest)
  })
})

describe('parsePackageManifest: hostile XML', () => {
  it('refuses a DOCTYPE', () => {
    refuses(`<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>${SAMPLE.slice(SAMPLE.indexOf('<Package'))}`, 'ERR_XML_FORBIDDEN')
  })

  it('refuses a document over the size limit before reading it', () => {
    refuses(new Uint8Array(MAX_PACKAGE_MANIFEST_BYTES + 1), 'ERR_TOO_LARGE')
    expectFormatError(() => parsePackageManifest(SAMPLE, { maxBytes: 100 }), 'ERR_TOO_LARGE')
  })

  it('refuses elements nested below <Patch>', () => {
    refuses(variant('timeout="600"/>', 'timeout="600"><Patch/></Patch>'), 'ERR_XML_TOO_DEEP')
  })

  it('refuses deep nesting without reading it all', () => {
    refuses(SAMPLE.replace('</Package>', `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</Package>`), 'ERR_XML_TOO_DEEP')
  })
})

describe('parsePackageManifest: refused patches', () => {
  it('names the file, line, element and what was expected', () => {
    refuses(variant('kind="deb"', 'kind="zip"'), 'ERR_SCHEMA', /^manifest\.xml, line 5, <Patch>: attribute "kind" is "zip"; expected one of deb, rpm, msi, msu, exe, sh$/)
  })

  it('refuses a file name that climbs out of the staging directory', () => {
    refuses(variant(OPENSSL_FILE, 'file="../x"'), 'ERR_SCHEMA', /path separator/)
    refuses(variant(OPENSSL_FILE, 'file="..\\x.msi"'), 'ERR_SCHEMA', /path separator/)
    refuses(variant(OPENSSL_FILE, 'file="/etc/cron.d/x"'), 'ERR_SCHEMA', /path separator/)
    refuses(variant(OPENSSL_FILE, 'file=".."'), 'ERR_SCHEMA', /names a directory/)
  })

  it('refuses a file name an installer would read as an option', () => {
    refuses(variant(OPENSSL_FILE, 'file="--force-all.deb"'), 'ERR_SCHEMA', /starts with "-"/)
  })

  it('refuses a file name with a control character', () => {
    refuses(variant(OPENSSL_FILE, 'file="a&#9;b.deb"'), 'ERR_SCHEMA', /control character/)
  })

  it('refuses a file name Windows cannot store or maps to a device', () => {
    refuses(variant(OPENSSL_FILE, 'file="C:x.msi"'), 'ERR_SCHEMA', /Windows refuses/)
    refuses(variant(OPENSSL_FILE, 'file="NUL.msi"'), 'ERR_SCHEMA', /device name/)
    refuses(variant(OPENSSL_FILE, 'file="setup.exe."'), 'ERR_SCHEMA', /ends with a dot/)
  })

  it('refuses a blob id that is not a CID', () => {
    refuses(variant(OPENSSL_BLOB, 'blob="not-a-cid"'), 'ERR_SCHEMA', /attribute "blob": not a valid blob id/)
  })

  it('refuses a CIDv0 blob id', () => {
    refuses(variant(OPENSSL_BLOB, 'blob="QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"'), 'ERR_SCHEMA', /CIDv1/)
  })

  it('refuses a blob id with a codec other than raw', () => {
    const dagPb = CID.createV1(0x70, CID.parse(blobIdFor('openssl')).multihash).toString()
    refuses(variant(OPENSSL_BLOB, `blob="${dagPb}"`), 'ERR_SCHEMA', /raw codec/)
  })

  it('refuses a chunk-index id hashed with something other than sha2-256', () => {
    const sha3 = CID.createV1(0x55, createDigest(0x16, new Uint8Array(32))).toString()
    refuses(variant(`index="${blobIdFor('openssl index')}"`, `index="${sha3}"`), 'ERR_SCHEMA', /attribute "index".*sha2-256/)
  })

  it('refuses a blob id in a spelling other than canonical base32', () => {
    refuses(variant(OPENSSL_BLOB, `blob="${CID.parse(blobIdFor('openssl')).toString(base58btc)}"`), 'ERR_SCHEMA', /base32/)
  })

  it('refuses an unknown attribute', () => {
    refuses(variant('reboot="never"', 'reboot="never" sha1="x"'), 'ERR_SCHEMA', /line 5, <Patch>: unknown attribute "sha1"/)
    refuses(variant('version="2"', 'version="2" signer="me"'), 'ERR_SCHEMA', /unknown attribute "signer"/)
  })

  it('refuses an unknown element', () => {
    refuses(variant('<Retracted', '<Script run="x"/><Retracted'), 'ERR_SCHEMA', /unknown element <Script>/)
  })

  it('refuses the same patch id twice', () => {
    refuses(variant('id="KB5034441"', 'id="P-OPENSSL"'), 'ERR_DUPLICATE_ID', /line 6.*first defined on line 5/)
  })

  it('refuses a retracted id that is also a patch of the manifest', () => {
    refuses(variant('<Retracted id="P-CURL-OLD"/>', '<Retracted id="KB5034441"/>'), 'ERR_DUPLICATE_ID')
  })

  it('refuses two patches with one file name', () => {
    refuses(variant('file="windows10.0-kb5034441-x64.msi"', OPENSSL_FILE), 'ERR_DUPLICATE_ID', /also used on line 5/)
  })

  it('refuses a command without {file}', () => {
    refuses(variant('command="dpkg -i {file}"', 'command="dpkg -i x.deb"'), 'ERR_SCHEMA', /no \{file\} word/)
  })

  it('refuses a command with another placeholder', () => {
    refuses(variant('command="dpkg -i {file}"', 'command="dpkg -i {fille}"'), 'ERR_SCHEMA', /only placeholder/)
  })

  it('refuses a command with an unclosed quote', () => {
    refuses(variant('command="dpkg -i {file}"', 'command="dpkg -i {file} &quot;oops"'), 'ERR_SCHEMA', /never closed/)
  })

  it('refuses a reboot code that is not a success code', () => {
    refuses(variant('successCodes="0 3010 1641"', 'successCodes="0"'), 'ERR_SCHEMA', /reboot code 3010 is not among the success codes/)
  })

  it('refuses a manifest patch without success codes', () => {
    refuses(variant('successCodes="0" ', ''), 'ERR_SCHEMA', /attribute "successCodes" missing/)
  })

  it('refuses an exit code that is not an integer, or listed twice', () => {
    refuses(variant('successCodes="0"', 'successCodes="0 ok"'), 'ERR_SCHEMA', /holds "ok"/)
    refuses(variant('successCodes="0"', 'successCodes="0 0"'), 'ERR_DUPLICATE_ID', /lists "0" twice/)
  })

  it('refuses a timeout of zero or beyond a day, and an empty file size', () => {
    refuses(variant('timeout="600"', 'timeout="0"'), 'ERR_SCHEMA', /timeout/)
    refuses(variant('timeout="600"', 'timeout="86401"'), 'ERR_SCHEMA', /timeout/)
    refuses(variant('size="1523004"', 'size="0"'), 'ERR_SCHEMA', /size/)
  })

  it('refuses an unknown reboot behaviour', () => {
    refuses(variant('reboot="never"', 'reboot="later"'), 'ERR_SCHEMA', /never, may, always/)
  })
})

describe('parsePackageManifest: refused packages', () => {
  it('refuses a wrong namespace', () => {
    refuses(variant(PACKAGE_NAMESPACE, 'urn:patchmesh:package:2'), 'ERR_SCHEMA', /namespace/)
  })

  it('refuses a mesh or package name outside its alphabet', () => {
    refuses(variant('mesh="acme"', 'mesh="Acme Corp"'), 'ERR_SCHEMA', /attribute "mesh"/)
    refuses(variant('name="november-security"', 'name="../november"'), 'ERR_SCHEMA', /attribute "name"/)
  })

  it('refuses a manifest without a deployment', () => {
    refuses(SAMPLE.replace(/ {2}<Deployment[^\n]*\n/, ''), 'ERR_SCHEMA', /no <Deployment>/)
  })

  it('refuses a second deployment', () => {
    refuses(variant('<Retracted', '<Deployment available="2026-11-25" deadline="2026-11-26" rebootServers="true"/><Retracted'), 'ERR_SCHEMA', /second <Deployment>; the first is on line 4/)
  })

  it('refuses a manifest with neither patches nor retractions', () => {
    refuses(SAMPLE.replace(/ {2}<(Patch|Retracted) [^\n]*\n/g, ''), 'ERR_SCHEMA', /no <Patch> or <Retracted>/)
  })

  it('refuses a deadline before the available time', () => {
    refuses(variant('deadline="2026-12-01T00:00:00Z"', 'deadline="2026-11-24T00:00:00Z"'), 'ERR_SCHEMA', /line 4, <Deployment>: attribute "deadline"/)
  })

  it('refuses an expiry at or before creation', () => {
    refuses(variant('expires="2027-01-31T00:00:00Z"', 'expires="2026-11-24T10:00:00Z"'), 'ERR_SCHEMA', /attribute "expires"/)
  })

  it('refuses a maintenance window outside the grammar, at its element and line', () => {
    refuses(variant('window="Sat 22:00-04:00"', 'window="Saturday night"'), 'ERR_SCHEMA', /line 4, <Deployment>: window "Saturday night"/)
    refuses(variant('window="Sat 22:00-04:00"', 'window="Sat 25:00-04:00"'), 'ERR_SCHEMA', /past 23:59/)
  })

  it('refuses rebootServers other than true or false', () => {
    refuses(variant('rebootServers="false"', 'rebootServers="no"'), 'ERR_SCHEMA', /true, false/)
  })

  it('refuses an empty <Target> and a site listed twice', () => {
    refuses(variant('<Target sites="hq branch-berlin" tags="web" os="debian windows"/>', '<Target/>'), 'ERR_SCHEMA', /leave <Target> out/)
    refuses(variant('sites="hq branch-berlin"', 'sites="hq hq"'), 'ERR_DUPLICATE_ID', /lists "hq" twice/)
  })
})

describe('serializePackageManifest', () => {
  it('refuses to write a manifest no reader would accept', () => {
    const refuse = (bad: PackageManifest): void => { expectFormatError(() => serializePackageManifest(bad), 'ERR_SCHEMA') }
    refuse(manifestWithPatch({ file: '../x' }))
    refuse(manifestWithPatch({ blob: 'nope' }))
    refuse(manifestWithPatch({ command: 'dpkg -i' }))
    refuse(manifestWithPatch({ successCodes: [] }))
    refuse(sampleManifest({ mesh: 'Acme' }))
    refuse(sampleManifest({ deployment: { ...sampleManifest().deployment, window: { days: [], startMinute: 1440, endMinute: 0 } } }))
  })
})
