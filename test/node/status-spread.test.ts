import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_STATUS_SPREAD_MS, STATUS_HOLD_MS, spreadStatus, statusSpreadMs } from '../../node/mesh/status-spread.ts'

test('a rescan status waits the hold, then up to 200 ms per computer of the fleet, never more than the hold and a minute', () => {
  assert.equal(statusSpreadMs(50, 0), STATUS_HOLD_MS)
  assert.equal(statusSpreadMs(50, 0.5), STATUS_HOLD_MS + 5_000)
  assert.equal(statusSpreadMs(1, 0.999), STATUS_HOLD_MS + 199)
  assert.equal(statusSpreadMs(100_000, 1), STATUS_HOLD_MS + MAX_STATUS_SPREAD_MS)
})

test('a stopping node gives up the wait at once', async () => {
  const stopping = new AbortController()
  const waited = spreadStatus(50, stopping.signal)
  stopping.abort()
  assert.equal(await waited, false)
})
