/** The settings of dynamic monitoring (DOMAIN.md "Dynamic monitoring") live with the others in server/config.ts:
 * ONEMAP_PHOTO_DIR (./data/photos), ONEMAP_PHOTO_MAX_MB (10), ONEMAP_ALERT_SCAN_MINUTES (1440; 0 off). */
export { type AlertSettings, loadAlertSettings } from '../config'
