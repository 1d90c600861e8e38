// Facts about the viewer's browser that the server cannot know.
export function timeZone() {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
