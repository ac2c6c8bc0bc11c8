import assert from 'node:assert/strict'
import { test } from 'node:test'
import { redrawer } from '../../node/cli/main.ts'

function terminal (columns: number): { columns: number, written: string[], write: (text: string) => void } {
  const written: string[] = []
  return { columns, written, write: text => { written.push(text) } }
}

test('the first frame is drawn as it is, ending on a fresh line', () => {
  const screen = terminal(80)
  redrawer(screen)('one\ntwo')
  assert.deepEqual(screen.written, ['one\ntwo\n'])
})

test('a later frame moves up over every row of the last one, erases to the end of the screen and draws', () => {
  const screen = terminal(80)
  const redraw = redrawer(screen)
  redraw('one\ntwo\nthree')
  redraw('four')
  redraw('five')
  assert.deepEqual(screen.written.slice(1), ['\x1b[3A\r\x1b[Jfour\n', '\x1b[1A\r\x1b[Jfive\n'])
})

test('a line longer than the terminal is wide counts as the rows it wrapped onto', () => {
  const screen = terminal(10)
  const redraw = redrawer(screen)
  redraw(`${'x'.repeat(25)}\n${'y'.repeat(10)}\n`)
  redraw('z')
  // 25 characters take 3 rows, exactly 10 take 1, the empty last line 1.
  assert.equal(screen.written[1], '\x1b[5A\r\x1b[Jz\n')
})
