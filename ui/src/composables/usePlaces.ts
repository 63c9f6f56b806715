// The places a file or folder can be picked from — the USB sticks mounted on this PC (label,
// free space), then the home folder — for PlacePicker and FolderPicker. `load` lists them
// again (after a stick is put in); a failure is said in `error`.
import { ref } from "vue";
import { deviceBackend, type PlaceInfo } from "../backend";
import { errorMessage } from "../errors";

export function usePlaces() {
  const places = ref<PlaceInfo[]>([]);
  const error = ref<string | null>(null);
  const loaded = ref(false);

  async function load(): Promise<void> {
    error.value = null;
    try {
      // This PC's own drives and folders, also at a desk whose office is on a server.
      places.value = await deviceBackend().exportPlaces();
    } catch (e) {
      places.value = [];
      error.value = errorMessage(e);
    }
    loaded.value = true;
  }

  return { places, error, loaded, load };
}
