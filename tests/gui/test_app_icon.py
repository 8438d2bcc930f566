"""The application icon: readable at 16 px, set on every window by the launcher."""

from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QApplication

from hmipviz.desktop import APP_ID, icon_path
from hmipviz.gui.launch import set_application_icon


def _colours(image: QImage) -> set[tuple[int, int, int]]:
    return {(c.red() // 32, c.green() // 32, c.blue() // 32)
            for y in range(image.height()) for x in range(image.width())
            if (c := image.pixelColor(x, y)).alpha() > 200}


def test_the_icon_renders_its_shapes_at_16_and_256_px(qapp):
    icon = QIcon(str(icon_path()))
    for size in (16, 256):
        image = icon.pixmap(size, size).toImage()
        assert image.width() == size
        colours = _colours(image)
        # the blue tile, the white routers and the vermillion MAP survive even at 16 px
        assert (0, 3, 5) in colours  # #0072B2
        assert (7, 7, 7) in colours  # white
        assert (6, 2, 0) in colours  # #D55E00


def test_the_launcher_sets_the_window_icon_and_desktop_file_name(qapp):
    set_application_icon(qapp)
    assert not QApplication.windowIcon().isNull()
    assert QApplication.desktopFileName() == APP_ID
