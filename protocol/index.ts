// The protocol module: the one thing server, web and simulators all import.
export * from './topics.ts';
export * from './schemas.ts';
export * from './geo.ts';
export * from './api.ts';
export * from './alerts.ts';
export * from './patrol.ts';
export * from './vehicles.ts';
export * from './clock.ts';
export * from './workorders.ts';
