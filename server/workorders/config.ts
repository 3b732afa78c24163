// Work-order configuration per estate: category → 54321 tier and department (defaults in
// protocol/workorders.ts), teams with their leads, dispatch rules (category + building → team or
// person), residents' rate limits. Pure: merging, validating and matching plain values.
import {
  DEFAULT_CATEGORIES,
  DEFAULT_RATE_LIMITS,
  isId,
  isSlaTier,
  type DispatchRule,
  type SlaTier,
  type Team,
  type WorkOrderCategory,
  type WorkOrderConfig,
  type WorkOrderConfigPatch,
} from '../../protocol/index.ts';

export class ConfigError extends Error {}

export const CATEGORY_BY_CODE = new Map(DEFAULT_CATEGORIES.map((c) => [c.code, c]));

export function defaultConfig(estate: string): WorkOrderConfig {
  return { estate, tiers: {}, departments: {}, teams: [], rules: [], limits: { ...DEFAULT_RATE_LIMITS } };
}

/** The categories as this estate runs them (tier and department overrides applied). */
export function categories(config: WorkOrderConfig): WorkOrderCategory[] {
  return DEFAULT_CATEGORIES.map((c) => ({ ...c, tier: config.tiers[c.code] ?? c.tier, department: config.departments[c.code] ?? c.department }));
}

export function category(config: WorkOrderConfig, code: string): WorkOrderCategory | undefined {
  const c = CATEGORY_BY_CODE.get(code);
  return c && { ...c, tier: config.tiers[code] ?? c.tier, department: config.departments[code] ?? c.department };
}

export function unknownCategory(code: unknown): string {
  return `unknown category ${JSON.stringify(code)}: one of ${DEFAULT_CATEGORIES.map((c) => c.code).join(', ')}`;
}

/** The first matching rule's target; a team without a named person goes to the team. */
export function autoDispatch(config: WorkOrderConfig, categoryCode: string, building: string | undefined): { team?: string; assignee?: string } | null {
  for (const r of config.rules) {
    if (r.category && r.category !== categoryCode) continue;
    if (r.building && r.building !== building) continue;
    return { ...(r.team ? { team: r.team } : {}), ...(r.assignee ? { assignee: r.assignee } : {}) };
  }
  return null;
}

/** Who hears a warning or an escalation: the team's lead and the assignee. */
export function notifyList(config: WorkOrderConfig, team: string | undefined, assignee: string | undefined): string[] {
  const out: string[] = [];
  const lead = team ? config.teams.find((t) => t.id === team)?.lead : undefined;
  if (lead) out.push(lead);
  if (assignee && !out.includes(assignee)) out.push(assignee);
  return out;
}

/** Teams a person works in (as member or lead). */
export function teamsOf(config: WorkOrderConfig, person: string): string[] {
  return config.teams.filter((t) => t.lead === person || t.members.includes(person)).map((t) => t.id);
}

const obj = (v: unknown, what: string): Record<string, unknown> => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${what}: expected a JSON object`);
  return v as Record<string, unknown>;
};
const name = (v: unknown, what: string, max = 64): string => {
  if (typeof v !== 'string' || !v.trim() || v.length > max) throw new ConfigError(`${what}: expected a non-empty string of at most ${max} characters`);
  return v.trim();
};

/** Checks a PUT body; returns only known, valid fields (each replaces the stored one). */
export function validateConfigPatch(body: unknown): WorkOrderConfigPatch {
  const b = obj(body, 'work-order configuration');
  const out: WorkOrderConfigPatch = {};
  for (const [key, value] of Object.entries(b)) {
    if (key === 'tiers') {
      const tiers: Record<string, SlaTier> = {};
      for (const [code, tier] of Object.entries(obj(value, 'tiers'))) {
        if (!CATEGORY_BY_CODE.has(code)) throw new ConfigError(`tiers: ${unknownCategory(code)}`);
        if (!isSlaTier(tier)) throw new ConfigError(`tiers.${code}: expected small, serious, complex or special, got ${JSON.stringify(tier)}`);
        tiers[code] = tier;
      }
      out.tiers = tiers;
    } else if (key === 'departments') {
      const deps: Record<string, string> = {};
      for (const [code, dep] of Object.entries(obj(value, 'departments'))) {
        if (!CATEGORY_BY_CODE.has(code)) throw new ConfigError(`departments: ${unknownCategory(code)}`);
        deps[code] = name(dep, `departments.${code}`);
      }
      out.departments = deps;
    } else if (key === 'teams') {
      if (!Array.isArray(value)) throw new ConfigError('teams: expected a list of {id, name, lead, members, department?}');
      const seen = new Set<string>();
      out.teams = value.map((t, i): Team => {
        const o = obj(t, `teams[${i}]`);
        const id = name(o.id, `teams[${i}].id`);
        if (!isId(id)) throw new ConfigError(`teams[${i}].id: letters, digits, '_', '-', '.'`);
        if (seen.has(id)) throw new ConfigError(`teams[${i}].id: '${id}' appears twice`);
        seen.add(id);
        if (!Array.isArray(o.members)) throw new ConfigError(`teams[${i}].members: expected a list of names`);
        return {
          id,
          name: name(o.name, `teams[${i}].name`),
          lead: name(o.lead, `teams[${i}].lead`),
          members: o.members.map((m, j) => name(m, `teams[${i}].members[${j}]`)),
          ...(o.department !== undefined ? { department: name(o.department, `teams[${i}].department`) } : {}),
        };
      });
    } else if (key === 'rules') {
      if (!Array.isArray(value)) throw new ConfigError('rules: expected a list of {category?, building?, team?, assignee?}');
      out.rules = value.map((r, i): DispatchRule => {
        const o = obj(r, `rules[${i}]`);
        for (const k of Object.keys(o)) if (!['category', 'building', 'team', 'assignee'].includes(k)) throw new ConfigError(`rules[${i}]: unknown field '${k}'`);
        if (o.category !== undefined && !CATEGORY_BY_CODE.has(o.category as string)) throw new ConfigError(`rules[${i}].category: ${unknownCategory(o.category)}`);
        if (o.team === undefined && o.assignee === undefined) throw new ConfigError(`rules[${i}]: needs a team or an assignee`);
        const rule: DispatchRule = {};
        for (const k of ['category', 'building', 'team', 'assignee'] as const) if (o[k] !== undefined) rule[k] = name(o[k], `rules[${i}].${k}`);
        return rule;
      });
    } else if (key === 'limits') {
      const o = obj(value, 'limits');
      const limits = { ...DEFAULT_RATE_LIMITS };
      for (const [k, v] of Object.entries(o)) {
        if (k !== 'perIpPerHour' && k !== 'perEstatePerHour') throw new ConfigError(`limits: unknown field '${k}': perIpPerHour, perEstatePerHour`);
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1_000_000) throw new ConfigError(`limits.${k}: expected an integer from 1 to 1000000`);
        limits[k] = v;
      }
      out.limits = limits;
    } else throw new ConfigError(`unknown field '${key}': one of tiers, departments, teams, rules, limits`);
  }
  if (out.rules && out.teams) {
    const ids = new Set(out.teams.map((t) => t.id));
    const bad = out.rules.find((r) => r.team && !ids.has(r.team));
    if (bad) throw new ConfigError(`rules: team '${bad.team}' is not among the teams`);
  }
  return out;
}

export function mergeConfig(base: WorkOrderConfig, patch: WorkOrderConfigPatch): WorkOrderConfig {
  return { ...base, ...patch, estate: base.estate };
}
