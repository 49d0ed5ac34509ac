import schema from './events.json';

/**
 * The logging policy's schema (events.json): levels, components, events with their required
 * attributes. One file, read by the code, the tests and the docs.
 */
export type Level = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
export type EventName = keyof typeof schema.events;
export type ComponentName = keyof typeof schema.components;

export interface EventSpec {
  component: string;
  level: Level;
  required: readonly string[];
  design: string;
  automatic?: string;
}

export interface ComponentSpec {
  title: string;
  kind: 'service' | 'observed';
  defaultLevel: Level;
  failureEvent?: EventName;
}

export const LEVELS: Record<Level, number> = schema.levels as Record<Level, number>;
export const EVENTS = schema.events as unknown as Record<EventName, EventSpec>;
export const COMPONENTS = schema.components as unknown as Record<ComponentName, ComponentSpec>;

export function isComponent(name: string): name is ComponentName {
  return Object.prototype.hasOwnProperty.call(COMPONENTS, name);
}

/** Level names as people and loggers write them, to the policy's level. */
const ALIASES: Record<string, Level> = {
  debug: 'DEBUG', trace: 'DEBUG', silly: 'DEBUG', verbose: 'DEBUG',
  info: 'INFO', notice: 'INFO', http: 'DEBUG',
  warn: 'WARNING', warning: 'WARNING',
  error: 'ERROR', err: 'ERROR',
  critical: 'CRITICAL', crit: 'CRITICAL', fatal: 'CRITICAL', alert: 'CRITICAL', emerg: 'CRITICAL', emergency: 'CRITICAL',
};

export function levelFromName(name: string): Level | undefined {
  return ALIASES[name.toLowerCase()];
}
