/**
 * Central migration 7 (door truth, issue 20): how the fleet's open alarms treat the bank's new
 * door-truth alarms. Only rules are added (central.alarm_rules, migration 4); no function body
 * changes. Without them, alarm.sensor_cut_suspected and alarm.locker_health_low would raise
 * alarms of their own name that nothing clears; alarm.door_jammed already raises door_jammed
 * (its name) and is cleared by the rules migration 4 gave door.open_timeout's jam.
 */
export const DOOR_TRUTH_ALARMS_SQL = String.raw`
  INSERT INTO central.alarm_rules (event_type, kind, effect) VALUES
    ('alarm.sensor_cut_suspected', 'sensor_cut_suspected', 'raise'),
    -- the sensor reads closed again (cable repaired), or the technician put the locker back
    ('alarm.door_closed', 'sensor_cut_suspected', 'clear'),
    ('locker.in_service', 'sensor_cut_suspected', 'clear'),
    ('alarm.locker_health_low', 'locker_health_low', 'raise'),
    -- taken out of service once the parcel left (locker_flagged is raised instead), or repaired
    ('locker.flagged', 'locker_health_low', 'clear'),
    ('locker.in_service', 'locker_health_low', 'clear')
  ON CONFLICT DO NOTHING;
`;
