import { describe, expect, it } from 'vitest'
import { IllegalStateError as ConsumerIllegalState } from '../../../src/consumer/errors.js'
import { IllegalStateError } from '../../../src/index.js'
import { IllegalStateError as TransactionIllegalState } from '../../../src/producer/transactions/errors.js'

describe('IllegalStateError', () => {
  it('is one class for the consumer and the transactional producer, so instanceof works for both', () => {
    expect(ConsumerIllegalState).toBe(IllegalStateError)
    expect(TransactionIllegalState).toBe(IllegalStateError)
    expect(new TransactionIllegalState('x')).toMatchObject({ code: 'ERR_ILLEGAL_STATE', name: 'IllegalStateError' })
  })
})
