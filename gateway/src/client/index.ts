export { DEFAULT_PROFILE_PATH, ProfileError, readProfile, writeProfile, type Profile } from './profile';
