package wpimport

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"byline/internal/apperr"
	"byline/internal/media"
	"byline/internal/wordpress"
)

// uploadsPrefix is where WordPress serves its uploaded files.
const uploadsPrefix = "/wp-content/uploads/"

// resized is WordPress's name for a smaller copy it made of an upload
// (photo-300x200.jpg of photo.jpg).
var resized = regexp.MustCompile(`^(.*)-[0-9]+x[0-9]+(\.[A-Za-z0-9]+)$`)

// imageExt are the files a link may name that are pictures.
var imageExt = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true}

// upload is an upload's fate in this run: its media here, or why not.
type upload struct {
	m      media.Media
	reason string // empty: imported
}

// uploadPath is the path under the uploads folder that an address on the
// old site names, or "".
func (im *importer) uploadPath(addr string) string {
	u, err := url.Parse(strings.TrimSpace(addr))
	if err != nil || (u.Host != "" && !strings.EqualFold(u.Host, hostOf(im.source))) {
		return ""
	}
	i := strings.Index(u.Path, uploadsPrefix)
	if i < 0 {
		return ""
	}
	return cleanUpload(u.Path[i+len(uploadsPrefix):])
}

// cleanUpload is rel as a path inside the uploads folder, or "" if it
// would leave it.
func cleanUpload(rel string) string {
	rel = path.Clean("/" + strings.TrimSpace(rel))[1:]
	if rel == "" || !fs.ValidPath(rel) {
		return ""
	}
	return rel
}

// original is the upload a resized copy was made from, when the folder
// has it.
func (im *importer) original(rel string) string {
	m := resized.FindStringSubmatch(rel)
	if m == nil {
		return rel
	}
	orig := m[1] + m[2]
	if st, err := os.Stat(filepath.Join(im.opts.Uploads, filepath.FromSlash(orig))); err == nil && st.Mode().IsRegular() {
		return orig
	}
	return rel
}

// importUpload brings the file rel of the uploads folder into the media
// library once (keyed by its path), and sends its old address to the new
// one. A file that cannot be read or is not a picture the library takes
// is listed in the report; the caller keeps the old address.
func (im *importer) importUpload(ctx context.Context, rel, alt string) (upload, error) {
	if u, ok := im.uploads[rel]; ok {
		return u, nil
	}
	u, err := im.fetchUpload(ctx, rel, alt)
	if err != nil {
		// The database or the storage failed, not the file: the import
		// stops, and the same command completes it.
		return upload{}, err
	}
	im.uploads[rel] = u
	if u.reason != "" {
		im.rep.MediaMissing = append(im.rep.MediaMissing, fmt.Sprintf("%s%s: %s", uploadsPrefix, rel, u.reason))
		return u, nil
	}
	if !im.dry() {
		im.redirect(im.oldUpload(rel), mediaURL(u.m))
	}
	return u, nil
}

// oldUpload is the old site's address of the upload rel: WordPress may
// have lived below the root of its address.
func (im *importer) oldUpload(rel string) string {
	base := ""
	if u, err := url.Parse(im.source); err == nil {
		base = strings.TrimRight(u.EscapedPath(), "/")
	}
	return base + uploadsPrefix + (&url.URL{Path: rel}).EscapedPath()
}

func (im *importer) fetchUpload(ctx context.Context, rel, alt string) (upload, error) {
	id, ok, err := im.known(ctx, "media", rel)
	if err != nil {
		return upload{}, err
	}
	if ok {
		m, err := im.deps.Media.ByID(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) {
			return upload{reason: "imported before and deleted here since"}, nil
		}
		if err != nil {
			return upload{}, fmt.Errorf("wpimport: media %d: %w", id, err)
		}
		im.rep.MediaKnown++
		return upload{m: m}, nil
	}
	file := filepath.Join(im.opts.Uploads, filepath.FromSlash(rel))
	if im.dry() {
		// Only whether the file is there: the library judges the
		// picture when it is imported.
		st, err := os.Stat(file)
		switch {
		case err != nil:
			return upload{reason: "the uploads folder has no readable file: " + pathErr(err).Error()}, nil
		case !st.Mode().IsRegular():
			return upload{reason: "the uploads folder has no readable file: not a file"}, nil
		case st.Size() > media.MaxBytes:
			return upload{reason: fmt.Sprintf("refused: larger than the media library's %d MB", media.MaxBytes>>20)}, nil
		}
		im.rep.MediaNew++
		return upload{}, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return upload{reason: "the uploads folder has no readable file: " + pathErr(err).Error()}, nil
	}
	name := path.Base(rel)
	if strings.TrimSpace(alt) == "" {
		alt = strings.TrimSuffix(name, path.Ext(name))
	}
	if n := []rune(alt); len(n) > 300 {
		alt = string(n[:300])
	}
	// A run stopped between storing the picture and noting its key left
	// it unclaimed in the library: take it rather than store it twice.
	adopt, err := im.unclaimed(ctx, "media", func() (int64, error) { return im.deps.Media.IDByFile(ctx, name, int64(len(data))) })
	if err != nil {
		return upload{}, fmt.Errorf("wpimport: %s: %w", rel, err)
	}
	if adopt != 0 {
		m, err := im.deps.Media.ByID(ctx, adopt)
		if err != nil {
			return upload{}, fmt.Errorf("wpimport: %s: %w", rel, err)
		}
		im.rep.MediaKnown++
		return upload{m: m}, im.remember(ctx, "media", rel, m.ID)
	}
	m, err := im.deps.Media.Upload(ctx, name, data, alt, 0)
	if err != nil {
		if inv, refused := apperr.AsInvalid(err); refused {
			return upload{reason: "refused: " + inv.Error()}, nil
		}
		return upload{}, fmt.Errorf("wpimport: %s: %w", rel, err)
	}
	if err := im.remember(ctx, "media", rel, m.ID); err != nil {
		// Without its key a later run would bring the file again.
		if derr := im.deps.Media.Delete(context.WithoutCancel(ctx), m.ID); derr != nil {
			err = errors.Join(err, derr)
		}
		return upload{}, err
	}
	im.rep.MediaNew++
	return upload{m: m}, nil
}

// pathErr is err without the path, which the report names already.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// mediaURL is the address that stands for an old upload: its largest size.
func mediaURL(m media.Media) string { return m.Variant("large").URL() }

// attachmentUpload imports an attachment's file and remembers its media
// for featured images, setting it on the articles that named it before
// it was read.
func (im *importer) attachmentUpload(ctx context.Context, it *wordpress.Item, alt string) error {
	rel, _ := wordpress.MetaValue(it.Meta, "_wp_attached_file")
	rel = cleanUpload(rel)
	if rel == "" {
		rel = im.uploadPath(it.AttachmentURL)
	}
	if rel == "" {
		im.rep.MediaMissing = append(im.rep.MediaMissing, fmt.Sprintf("attachment %d %s: it names no file under %s", it.ID, it.AttachmentURL, uploadsPrefix))
		return nil
	}
	if alt == "" {
		alt = strings.TrimSpace(it.Title)
	}
	u, err := im.importUpload(ctx, rel, alt)
	if err != nil || u.reason != "" || im.dry() {
		return err
	}
	im.attMedia[it.ID] = u.m.ID
	for _, articleID := range im.featureLater[it.ID] {
		// Only an article that has none yet: an editor may have chosen one.
		if err := im.deps.Articles.SetFeaturedImageIfNone(ctx, articleID, u.m.ID); err != nil {
			return fmt.Errorf("wpimport: featured image of article %d: %w", articleID, err)
		}
	}
	delete(im.featureLater, it.ID)
	return nil
}

// rewriteMedia imports the uploads the content refers to and points its
// addresses at them; an address whose file did not come across stays.
func (im *importer) rewriteMedia(ctx context.Context, body string, refs []wordpress.Ref) (string, error) {
	urls := map[string]string{}
	for _, r := range refs {
		if r.Kind != wordpress.RefImage && r.Kind != wordpress.RefAttachment && r.Kind != wordpress.RefFile {
			continue
		}
		rel := im.uploadPath(r.URL)
		if rel == "" || (r.Kind == wordpress.RefFile && !imageExt[strings.ToLower(path.Ext(rel))]) {
			continue // a link to a PDF or a video stays a link to the old file
		}
		orig := im.original(rel)
		alt := ""
		if r.ID != 0 {
			alt = im.attachments[r.ID].Alt
		}
		u, err := im.importUpload(ctx, orig, alt)
		if err != nil {
			return "", err
		}
		if u.reason != "" {
			continue
		}
		if im.dry() {
			continue
		}
		urls[r.URL] = mediaURL(u.m)
		if orig != rel {
			// The resized copy's old address goes to the same picture.
			im.redirect(im.oldUpload(rel), mediaURL(u.m))
		}
	}
	return wordpress.RewriteURLs(body, urls), nil
}

// featured is the media of an item's featured image, or 0 when its
// attachment was not read yet (then setLater gets the article).
func (im *importer) featured(it *wordpress.Item) (int64, int64) {
	v, ok := wordpress.MetaValue(it.Meta, "_thumbnail_id")
	if !ok {
		return 0, 0
	}
	thumb, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || thumb == 0 {
		return 0, 0
	}
	return im.attMedia[thumb], thumb
}
