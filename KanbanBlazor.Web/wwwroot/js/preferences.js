// Remembers a UI preference (the theme) for a year, for every page of this site.
export function remember(name, value) {
    document.cookie = `${encodeURIComponent(name)}=${encodeURIComponent(value)}; path=/; max-age=31536000; samesite=lax`;
}
