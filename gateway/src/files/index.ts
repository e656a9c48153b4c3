export { writeFileAtomic, type AtomicWriteOptions } from './atomicFile';
