export { actsAs, type ApiCaller, type AuthenticatedCaller, type AuthenticationMethod } from './caller';
export type {
  ApiModule,
  ApiModuleContext,
  ApiModuleFactory,
  ApiTag,
  HealthCheck,
  HealthFinding,
  RequestServices,
} from './module';
export { ProblemError, type FieldError, type ProblemErrorOptions } from './problem';
export {
  callerOf,
  defineRoute,
  ok,
  type AnyRoute,
  type HandlerContext,
  type HttpMethod,
  type Reply,
  type ResponseSpec,
  type RouteSpec,
} from './route';
