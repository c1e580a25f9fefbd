export * from './TslfsError.js';
