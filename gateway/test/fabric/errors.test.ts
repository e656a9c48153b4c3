import { status } from '@grpc/grpc-js';
import { toLedgerError, LedgerError } from '../../src/fabric/errors';

describe('toLedgerError', () => {
  it('takes the chaincode message from endorse error details, not the gRPC wrapper', () => {
    const error = Object.assign(
      new Error('10 ABORTED: failed to endorse transaction, see attached details for more info'),
      {
        code: status.ABORTED,
        details: [
          {
            address: 'peer0:7051',
            mspId: 'Org1MSP',
            message: 'chaincode response 500, [NOT_FOUND] queue q1 not found',
          },
        ],
        transactionId: 'tx1',
      },
    );
    const mapped = toLedgerError(error);
    expect(mapped).toBeInstanceOf(LedgerError);
    expect(mapped).toMatchObject({
      kind: 'NOT_FOUND',
      httpStatus: 404,
      message: 'queue q1 not found',
      transactionId: 'tx1',
    });
    expect(mapped.retryable).toBe(false);
  });

  it('reads evaluate errors from the message', () => {
    const error = Object.assign(
      new Error(
        '2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, [FORBIDDEN] caller needs role admin',
      ),
      { code: status.UNKNOWN, details: [] },
    );
    expect(toLedgerError(error)).toMatchObject({
      kind: 'FORBIDDEN',
      httpStatus: 403,
      message: 'caller needs role admin',
    });
  });

  it.each([
    ['INVALID_ARGUMENT', 400],
    ['CONFLICT', 409],
  ])('maps %s to HTTP %d', (code, httpStatus) => {
    expect(toLedgerError(new Error(`chaincode response 500, [${code}] bad`)).httpStatus).toBe(httpStatus);
  });

  it('marks MVCC conflicts from commit errors as retryable', () => {
    const error = Object.assign(
      new Error('Transaction abc failed to commit with status code 11 (MVCC_READ_CONFLICT)'),
      {
        status: { code: 11 },
        transactionId: 'abc',
      },
    );
    const mapped = toLedgerError(error);
    expect(mapped).toMatchObject({ kind: 'MVCC_CONFLICT', httpStatus: 409 });
    expect(mapped.retryable).toBe(true);
  });

  it('treats an unreachable gateway as unavailable and anything else as a failed upstream call', () => {
    expect(
      toLedgerError(Object.assign(new Error('14 UNAVAILABLE: No connection'), { code: status.UNAVAILABLE })),
    ).toMatchObject({
      kind: 'UNAVAILABLE',
      httpStatus: 503,
    });
    expect(toLedgerError('weird')).toMatchObject({ kind: 'FAILED', httpStatus: 502, message: 'weird' });
  });
});
