// Provisioning over REST for admins: the same operations as `smart-estate device add` / `user add`.
import { Router } from 'express';
import { DEVICE_CLASSES, ROLES, type DeviceClass, type Role } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { DeviceError, addDevice, deviceRevocations, getDevice, revokeDevice } from '../store/devices.ts';
import { recordAudit } from '../audit/log.ts';
import { UserError, addUser, getUser } from '../store/users.ts';
import { HttpError } from './errors.ts';
import { parseScopeRef } from '../../protocol/org.ts';
import { scopeWithin } from '../org/scope.ts';
import { assertEstateVisible, requireRole } from './auth.ts';
import { ConfigDbError, addDeviceShared, configChange, revokeDeviceShared, type ConfigFeed } from '../cluster/config-db.ts';
import { getEstate } from '../store/estates.ts';

const optionalNumber = (v: unknown, name: string): number | null => {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new HttpError(400, `${name} must be a number`);
  return v;
};

/**
 * With a shared configuration (`feed`, --config-db) device changes are written to PostgreSQL and
 * answered once this node has applied them to its own SQLite (read-your-writes); the other nodes
 * apply them from the feed. PostgreSQL unreachable: 503, nothing changed anywhere.
 */
export function adminRoutes(db: Db, feed: ConfigFeed | null = null): Router {
  const router = Router();

  router.get('/me', (req, res) => {
    res.json(req.user);
  });

  router.post('/devices', requireRole('admin'), async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.estate !== 'string' || typeof b.id !== 'string') throw new HttpError(400, 'estate and id (strings) are required');
    if (!DEVICE_CLASSES.includes(b.kind as DeviceClass)) throw new HttpError(400, `kind must be one of ${DEVICE_CLASSES.join(', ')}`);
    assertEstateVisible(req.user, b.estate);
    try {
      const d = {
        estate: b.estate,
        id: b.id,
        kind: b.kind as DeviceClass,
        name: typeof b.name === 'string' ? b.name : undefined,
        x: optionalNumber(b.x, 'x'),
        y: optionalNumber(b.y, 'y'),
        heading: optionalNumber(b.heading, 'heading'),
        fov: optionalNumber(b.fov, 'fov'),
      };
      // the token is never in the summary: only what was registered
      const audit = () => recordAudit(db, { actor: req.user!.name, source: req.ip, action: 'device.add', estate: d.estate, target: d.id, summary: { kind: d.kind, name: d.name ?? d.id } });
      if (feed) {
        const { token, seq } = await addDeviceShared(feed.url, d, { estateExists: (e) => getEstate(db, e) !== undefined });
        await feed.waitFor(seq);
        audit();
        return void res.status(201).json({ estate: b.estate, id: b.id, kind: b.kind, token });
      }
      const token = db.transaction(() => {
        const t = addDevice(db, d);
        recordAudit(db, { actor: req.user!.name, source: req.ip, action: 'device.add', estate: d.estate, target: d.id, summary: { kind: d.kind, name: d.name ?? d.id } });
        return t;
      })();
      res.status(201).json({ estate: b.estate, id: b.id, kind: b.kind, token });
    } catch (err) {
      if (err instanceof DeviceError) throw new HttpError(/already exists/.test(err.message) ? 409 : 400, err.message);
      if (err instanceof ConfigDbError) throw new HttpError(503, err.message);
      throw err;
    }
  });

  router.post('/users', requireRole('admin'), async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.name !== 'string' || typeof b.password !== 'string') throw new HttpError(400, 'name and password (strings) are required');
    if (!ROLES.includes(b.role as Role)) throw new HttpError(400, `role must be one of ${ROLES.join(', ')}`);
    // the scope: `scope` ('unit:{id}', 'company:{id}', an estate id) or the older `estate`; none = all
    const estate = typeof b.scope === 'string' && b.scope ? b.scope : typeof b.estate === 'string' ? b.estate : null;
    // A scoped admin hands out only scopes within its own (an estate admin: that estate).
    if (req.user!.estate !== null && !scopeWithin(db, parseScopeRef(estate), parseScopeRef(req.user!.estate))) {
      throw new HttpError(403, `you may create users only within your scope '${req.user!.estate}'`);
    }
    if (getUser(db, b.name)) throw new HttpError(409, `user '${b.name}' already exists`);
    try {
      const user = await configChange(db, feed && { url: feed.url, feed }, () => addUser(db, { name: b.name as string, role: b.role as Role, password: b.password as string, estate }), (u) => {
        recordAudit(db, { actor: req.user!.name, source: req.ip, action: 'user.add', estate, target: u.name, summary: { role: u.role, estate } });
      });
      res.status(201).json(user);
    } catch (err) {
      if (err instanceof UserError) throw new HttpError(/already exists/.test(err.message) ? 409 : 400, err.message);
      if (err instanceof ConfigDbError) throw new HttpError(503, err.message);
      throw err;
    }
  });

  // Revoking a device: it can no longer connect, and a connection it holds is closed. DELETE on the
  // device (POST /devices/{d}/{kind} is the devices' own HTTP ingest); the row stays, its token dies.
  router.delete('/devices/:id', requireRole('admin'), async (req, res) => {
    const id = String(req.params.id);
    const device = getDevice(db, id);
    if (!device) throw new HttpError(404, `device '${id}' not found`);
    assertEstateVisible(req.user, device.estate);
    if (feed) {
      try {
        const { seq } = await revokeDeviceShared(feed.url, id);
        await feed.waitFor(seq); // the feed disconnects it here and every other node there
      } catch (err) {
        if (err instanceof DeviceError) throw new HttpError(404, err.message);
        if (err instanceof ConfigDbError) throw new HttpError(503, err.message);
        throw err;
      }
      recordAudit(db, { actor: req.user!.name, source: req.ip, action: 'device.revoke', estate: device.estate, target: id, summary: { kind: device.kind } });
      return void res.json({ estate: device.estate, id, revoked: true });
    }
    db.transaction(() => {
      revokeDevice(db, id);
      recordAudit(db, { actor: req.user!.name, source: req.ip, action: 'device.revoke', estate: device.estate, target: id, summary: { kind: device.kind } });
    })();
    deviceRevocations.emit('revoked', id);
    res.json({ estate: device.estate, id, revoked: true });
  });

  return router;
}
