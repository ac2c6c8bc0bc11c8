import { test } from 'node:test'
import { seededRandom } from '../helpers/random.ts'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { compareDpkgVersions } from '../../protocol/version/dpkg.ts'
import { compareRpmVersions } from '../../protocol/version/rpm.ts'

// Oracle tests: our ordering against the package managers' own, on real and generated versions.

type Pair = [string, string]
type Outcome = -1 | 0 | 1 | 'error'

const DPKG_STATUS = '/var/lib/dpkg/status'
// The Debian python3 that python3-rpm installs into; a pyenv python3 on the PATH would lack it.
const DEBIAN_PYTHON = '/usr/bin/python3'
const DPKG_SHARDS = 2
const MIN_PAIRS = 2000


function pick<T> (random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T
}

function randomPairs (random: () => number, items: readonly string[], count: number): Pair[] {
  const pairs: Pair[] = []
  for (let i = 0; i < count && items.length > 1; i++) pairs.push([pick(random, items), pick(random, items)])
  return pairs
}

function neighbourPairs (items: readonly string[], count: number): Pair[] {
  const pairs: Pair[] = []
  for (let i = 0; i + 1 < items.length && pairs.length < count; i++) pairs.push([items[i] as string, items[i + 1] as string])
  return pairs
}

function cartesian (...parts: string[][]): string[] {
  return parts.reduce<string[]>((acc, part) => acc.flatMap(prefix => part.map(p => prefix + p)), [''])
}

function outcome (compare: (a: string, b: string) => -1 | 0 | 1, a: string, b: string): Outcome {
  try {
    return compare(a, b)
  } catch {
    return 'error'
  }
}

/** Real versions from the dpkg status file: package versions plus versions named in relations. */
function dpkgStatusVersions (): string[] {
  if (!existsSync(DPKG_STATUS)) return []
  const found = new Set<string>()
  for (const line of readFileSync(DPKG_STATUS, 'utf8').split('\n')) {
    if (line.startsWith('Version: ')) found.add(line.slice(9).trim())
    if (/^(Depends|Pre-Depends|Breaks|Conflicts|Replaces|Provides|Source):/.test(line)) {
      for (const m of line.matchAll(/\((?:[<>=]+\s*)?([^)\s]+)\)/g)) found.add(m[1] as string)
    }
  }
  return [...found]
}

const DPKG_HARD = cartesian(
  ['', '0:', '1:', '2:', '00:', '+1:'],
  ['1', '1.0', '1.00', '1.0.0', '1.0~rc1', '1.0~', '1.0~~', '1.0~~a', '1.0a', '1.0A', '1.0z', '1.0+',
    '1.0+b1', '1.0+dfsg', '1.0.1', '1.01', '1.9', '1.10', '0.9', '1.0a1', '1:1', 'a1', '1.0_1', '2.0~~',
    '1.99999999999999999999', '1.100000000000000000000', '1.0+git20230101.abc'],
  ['', '-0', '-1', '-1ubuntu1', '-1~bpo1', '-1+b1', '-1.1', '-10', '-a', '-1~', '-1+deb12u1']
)

const DPKG_ODD = [
  '', ' ', '  ', ' 1.0', '1.0 ', '1.0 1', ':1.0', 'a:1.0', '1a:1.0', '-1:1.0', '-0:1.0', '2147483647:1',
  '2147483648:1', '99999999999999999999:1', '1:', '1.0-', '-1', '1:-1', '1.0-1:2', '\n1:2.0', '1.0\u00e9',
  '1.0-\u00fc', '\t1.0-1\t', '1.0!', '1.0-1.2-3', '1:2:3-4'
].filter(v => v !== '')

function dpkgPairs (): Pair[] {
  const random = seededRandom(20240611)
  const real = dpkgStatusVersions()
  const mutated = real.slice(0, 300).flatMap((v): Pair[] => [[v, `${v}~1`], [v, `${v}+b1`], [v, `1:${v}`]])
  return [
    ...neighbourPairs(real, 700),
    ...randomPairs(random, real, 700),
    ...mutated.filter((_, i) => i % 2 === 0),
    ...randomPairs(random, DPKG_HARD, 700),
    ...DPKG_ODD.flatMap((v): Pair[] => [[v, '1.0'], ['1:2.0', v], [v, v]])
  ]
}

function shellQuote (s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`
}

function runShell (script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
    child.on('error', reject)
    child.on('close', code => code === 0 ? resolve(out) : reject(new Error(`sh exited with ${code}`)))
    child.stdin.end(script)
  })
}

const DPKG_OPERATOR = { '-1': 'lt', 0: 'eq', 1: 'gt', error: 'lt' } as const

/** dpkg's answer for one pair, for the failure message only: three calls. */
function dpkgAnswer (a: string, b: string): Outcome {
  for (const [op, result] of [['lt', -1], ['eq', 0], ['gt', 1]] as const) {
    const rc = spawnSync('dpkg', ['--compare-versions', '--', a, op, b]).status
    if (rc === 2) return 'error'
    if (rc === 0) return result
  }
  return 'error'
}

test('dpkg ordering matches dpkg --compare-versions', async (t) => {
  const probe = spawnSync('dpkg', ['--version'])
  if (probe.error != null || probe.status !== 0) {
    t.skip(`dpkg not found: ${probe.error?.message ?? `exit ${probe.status}`}`)
    return
  }
  const pairs = dpkgPairs()
  assert.ok(pairs.length >= MIN_PAIRS, `only ${pairs.length} dpkg pairs`)
  const ours = pairs.map(([a, b]) => outcome(compareDpkgVersions, a, b))
  // One dpkg call per pair checks our answer: exit 0 agrees, 1 disagrees, 2 is a syntax error.
  // Expecting exit 0 (or 2 where we throw) is exactly agreement on lt/eq/gt/error.
  const lines = pairs.map(([a, b], i) =>
    `dpkg --compare-versions -- ${shellQuote(a)} ${DPKG_OPERATOR[ours[i] as Outcome]} ${shellQuote(b)} 2>/dev/null; echo $?`)
  const shards = Array.from({ length: DPKG_SHARDS }, (_, s) => lines.filter((_, i) => i % DPKG_SHARDS === s))
  const outputs = (await Promise.all(shards.map(shard => runShell(shard.join('\n') + '\n')))).map(o => o.trim().split('\n'))
  const mismatches: string[] = []
  pairs.forEach(([a, b], i) => {
    const rc = outputs[i % DPKG_SHARDS]?.[Math.floor(i / DPKG_SHARDS)]
    const expected = ours[i] === 'error' ? '2' : '0'
    if (rc !== expected) mismatches.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ours ${ours[i]}, dpkg ${dpkgAnswer(a, b)}`)
  })
  t.diagnostic(`dpkg oracle: ${pairs.length} pairs checked, ${ours.filter(o => o === 'error').length} of them rejected by both`)
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} of ${pairs.length} pairs differ from dpkg`)
})

const RPM_HARD = cartesian(
  ['', '0:', '1:', '01:', '2:'],
  ['1.0', '1.0.0', '1.00', '1.0~rc1', '1.0~rc1^git1', '1.0~', '1.0~~', '1.0^', '1.0^git1', '1.0^git1^1',
    '1.0a', '1.0A', '1.0aa', '1.a', '1.0.1', '1_0', '1..0', '1.0.', '1.01', '1.9', '1.10', '2.0alpha',
    '1.99999999999999999999', '1.100000000000000000000', '1+0', 'a1', '1.0+git20230101.abc'],
  ['', '-1', '-1.el9', '-1.el9_2', '-1.fc38', '-0.1.rc2.el8', '-1~', '-1^', '-10', '-a', '-1.1']
)

/** Realistic EVRs: versions with the suffixes Fedora and EL packaging use, and their releases. */
function realisticRpmEvrs (random: () => number, count: number): string[] {
  const evrs: string[] = []
  for (let i = 0; i < count; i++) {
    const epoch = pick(random, ['', '', '', '1:', '2:', '0:'])
    const parts = Array.from({ length: 1 + Math.floor(random() * 4) }, () => String(Math.floor(random() * (random() < 0.2 ? 2000 : 12))))
    const suffix = pick(random, ['', '', '', '~rc1', '~rc2', '~beta', '^20230101git1a2b3c', '^1.git', 'a', 'p1', '_2'])
    const release = pick(random, ['', `-${1 + Math.floor(random() * 20)}.el9`, `-${Math.floor(random() * 5)}.fc${36 + Math.floor(random() * 4)}`,
      `-${1 + Math.floor(random() * 3)}.el8_${Math.floor(random() * 10)}`, '-0.1.rc1.el9', '-2.module+el8.5.0+12345+abcdef12', '-1'])
    evrs.push(`${epoch}${parts.join('.')}${suffix}${release}`)
  }
  return evrs
}

// Reads [a, b] JSON lines and prints labelCompare of the EVRs as rpm itself splits them.
const RPM_ORACLE = `
import json, sys, rpm
for line in sys.stdin:
    a, b = json.loads(line)
    va, vb = rpm.ver(a), rpm.ver(b)
    print(rpm.labelCompare((va.e, va.v, va.r), (vb.e, vb.v, vb.r)))
`

test('rpm ordering matches rpm.labelCompare', (t) => {
  const probe = spawnSync(DEBIAN_PYTHON, ['-c', 'import rpm; rpm.ver; rpm.labelCompare'], { encoding: 'utf8' })
  if (probe.error != null || probe.status !== 0) {
    t.skip(`python3-rpm not found: ${probe.error?.message ?? probe.stderr.trim().split('\n').pop()}`)
    return
  }
  const random = seededRandom(7211)
  const realistic = realisticRpmEvrs(random, 1500)
  const debianReal = dpkgStatusVersions().filter(v => outcome(compareRpmVersions, v, v) !== 'error')
  const pairs: Pair[] = [
    ...neighbourPairs(realistic, 800),
    ...randomPairs(random, realistic, 800),
    ...randomPairs(random, RPM_HARD, 1200),
    ...randomPairs(random, debianReal, 300)
  ]
  assert.ok(pairs.length >= MIN_PAIRS, `only ${pairs.length} rpm pairs`)
  const run = spawnSync(DEBIAN_PYTHON, ['-c', RPM_ORACLE], {
    input: pairs.map(p => JSON.stringify(p)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024
  })
  assert.equal(run.status, 0, run.stderr)
  const answers = run.stdout.trim().split('\n').map(Number)
  assert.equal(answers.length, pairs.length)
  const mismatches: string[] = []
  pairs.forEach(([a, b], i) => {
    const ours = outcome(compareRpmVersions, a, b)
    if (ours !== Math.sign(answers[i] as number)) mismatches.push(`${a} vs ${b}: ours ${ours}, rpm ${answers[i]}`)
  })
  t.diagnostic(`rpm oracle: ${pairs.length} pairs checked`)
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} of ${pairs.length} pairs differ from rpm`)
})
