/**
 * The keys the page sends: the tenant's API key (Authorization: Bearer) and, when the server has
 * ADMIN_KEY, the admin key (x-admin-key). Kept in sessionStorage: they last as long as the tab.
 */
const API_KEY = 'assistants-mock.api-key';
const ADMIN_KEY = 'assistants-mock.admin-key';

/** The tenant the page uses until the user names another (any key works when the server has no API_KEY). */
export const DEFAULT_API_KEY = 'playground';

export interface Keys {
  apiKey: string;
  adminKey: string | null;
}

export function loadKeys(): Keys {
  return { apiKey: sessionStorage.getItem(API_KEY) ?? DEFAULT_API_KEY, adminKey: sessionStorage.getItem(ADMIN_KEY) };
}

export function saveKeys(keys: Keys): void {
  sessionStorage.setItem(API_KEY, keys.apiKey);
  if (keys.adminKey) sessionStorage.setItem(ADMIN_KEY, keys.adminKey);
  else sessionStorage.removeItem(ADMIN_KEY);
}
