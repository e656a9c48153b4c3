import type { Context } from 'fabric-contract-api';
import { compositeKey, ObjectType } from '../../lib';
import type { SigningKeyStatus } from '../../protocol/signing';

/** Object type this capability adds to lib's {@link ObjectType}: thumbprint → kid, forever. */
export const THUMBPRINT_TYPE = 'sig.thumbprint';

export function signingKeyKey(ctx: Context, kid: string): string {
  return compositeKey(ctx, ObjectType.signingKey, kid);
}

export function statusIndexKey(ctx: Context, status: SigningKeyStatus, kid: string): string {
  return compositeKey(ctx, ObjectType.signingKeyStatus, status, kid);
}

export function thumbprintKey(ctx: Context, thumbprint: string): string {
  return ctx.stub.createCompositeKey(THUMBPRINT_TYPE, [thumbprint]);
}
